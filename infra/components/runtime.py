"""What every Conduit function runs on, shared by the API's functions and the stream workers.

Python 3.13 on arm64, the shared-code and dependency layers and the `functions/` code (each with
its 3.13 bytecode, see infra.bytecode), X-Ray tracing, a log group kept a month, and an
environment and role holding only what it is granted.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from conduit.resources import Table, UserPool, powertools_env
from conduit.routes import Grant
from infra import bytecode
from infra.bundling import compiled_code
from infra.components.data import Data
from infra.components.identity import Identity
from infra.config import StageConfig
from infra.errors import InfraError
from infra.paths import CODE_EXCLUDES, FUNCTIONS_DIR, SHARED_LAYER_DIR
from infra.permissions import grant_statements

#: The dependency layer is built for exactly this interpreter (see infra.layers.PIP_PLATFORM_ARGS),
#: and the emulator and tests run it: moving to a newer runtime is a deliberate change of both.
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
#: Lambda's limit on function names.
MAX_FUNCTION_NAME = 64


class Runtime(Construct):
    """The layers and code asset all functions share, and the factory that wires a function up."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, data: Data, identity: Identity
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.data = data
        self.identity = identity
        # Looked up once for both bundled assets, and first thing when this synth bundles, so a
        # missing Python 3.13 is reported as such, not as a failure from inside CDK's bundling.
        interpreter = functools.cache(bytecode.find_interpreter)
        if Stack.of(self).bundling_required:
            interpreter()
        self.layers: list[lambda_.ILayerVersion] = [
            self._layer(
                "SharedCodeLayer",
                "shared",
                compiled_code(SHARED_LAYER_DIR, interpreter),
                "shared code (conduit)",
            ),
            self._layer(
                "DependenciesLayer",
                "dependencies",
                # Built, and compiled for Lambda, by scripts/build_layers.py.
                lambda_.Code.from_asset(config.dependency_layer_dir.as_posix(), exclude=list(CODE_EXCLUDES)),
                "third-party packages from layers/dependencies/requirements.txt",
            ),
        ]
        # One asset for all functions: each ships the whole functions/ tree (it is small).
        self.code = compiled_code(FUNCTIONS_DIR, interpreter)
        self._function_names: set[str] = set()

    def function(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        handler: str,
        description: str,
        memory_mb: int,
        timeout_seconds: int,
        grants: Sequence[Grant],
        tables: Sequence[Table],
        user_pool: bool,
        settings: Mapping[str, str] | None = None,
    ) -> ConduitFunction:
        """A function named `conduit-<stage>-<name>` that may use `tables` and, if asked, the
        pool; `settings` are further environment variables it reads."""
        function_name = self.config.resource_name(name)
        if function_name in self._function_names:
            raise InfraError(
                f"two functions are named {function_name!r}: route and worker names must all be different"
            )
        self._function_names.add(function_name)
        return ConduitFunction(
            scope,
            construct_id,
            runtime=self,
            function_name=function_name,
            handler=handler,
            description=f"Conduit {description} ({self.config.stage})",
            memory_mb=memory_mb,
            timeout_seconds=timeout_seconds,
            environment={**self._environment(tables, user_pool), **(settings or {})},
            statements=[
                iam.PolicyStatement(actions=list(s.actions), resources=list(s.resources))
                for s in grant_statements(
                    name, grants, table_arn=self._table_arn, user_pool_arn=self._user_pool_arn
                )
            ],
        )

    def _environment(self, tables: Sequence[Table], user_pool: bool) -> dict[str, str]:
        """Powertools settings plus only the resources the function uses (conduit.settings reads them)."""
        environment = powertools_env(self.config.stage, self.config.log_level)
        for table in tables:
            environment[table.env_var] = self.data.table(table).table_name
        if user_pool:
            pool = self.identity.declaration
            environment[pool.pool_id_env_var] = self.identity.user_pool.user_pool_id
            environment[pool.client_id_env_var] = self.identity.client.user_pool_client_id
        return environment

    def _table_arn(self, table: Table) -> str:
        return self.data.table(table).table_arn

    def _user_pool_arn(self, pool: UserPool) -> str:
        if pool != self.identity.declaration:
            raise InfraError(
                f"user pool {pool.key!r} is granted, but the stack has only {self.identity.declaration.key!r}"
            )
        return self.identity.user_pool.user_pool_arn

    def _layer(self, construct_id: str, suffix: str, code: lambda_.Code, what: str) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            construct_id,
            layer_version_name=self.config.resource_name(suffix),
            description=f"Conduit {what} ({self.config.stage})",
            code=code,
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )


class ConduitFunction(Construct):
    """One function with its own log group and its own role (CDK's default role plus statements)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: Runtime,
        function_name: str,
        handler: str,
        description: str,
        memory_mb: int,
        timeout_seconds: int,
        environment: dict[str, str],
        statements: Sequence[iam.PolicyStatement],
    ) -> None:
        super().__init__(scope, construct_id)
        _check_function_name(function_name)
        _check_handler(handler)
        config = runtime.config
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            # Lambda's default name, so the console and log tools find it where they expect.
            log_group_name=f"/aws/lambda/{function_name}",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN if config.retain else RemovalPolicy.DESTROY,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=runtime.code,
            layers=runtime.layers,
            # Memory and timeout come from the function's declaration in conduit.routes, where
            # the defaults are explained: 512 MB because Lambda gives CPU in proportion to memory
            # and the cold start (imports, JWKS fetch) is CPU bound, while a request does a few
            # DynamoDB calls; 10 s for a route, far above its p99 yet below API Gateway's 30 s
            # integration timeout so a stuck call fails as a function error, not a gateway one;
            # 300 s for a stream worker, which fans an article out to every follower.
            memory_size=memory_mb,
            timeout=Duration.seconds(timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            environment=environment,
        )
        for statement in statements:
            self.function.add_to_role_policy(statement)
        NagSuppressions.add_resource_suppressions(
            self.function,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM4",
                    reason="AWSLambdaBasicExecutionRole only lets the function write its own "
                    "logs (logs:CreateLogStream, logs:PutLogEvents); it is AWS's documented "
                    "minimum for Lambda and carries no data access.",
                    applies_to=[
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                    ],
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level "
                    "permissions: IAM accepts them only on `*`. Every data permission names its "
                    "table, index, stream, queue or user pool (tests/infra check it).",
                    applies_to=["Resource::*"],
                ),
                NagPackSuppression(
                    id="AwsSolutions-L1",
                    reason="Pinned to python3.13 on purpose: the dependency layer is built for "
                    "it and the local emulator and tests run it; a newer runtime is adopted as a "
                    "change of its own.",
                ),
            ],
            apply_to_children=True,
        )


def _check_function_name(function_name: str) -> None:
    if len(function_name) > MAX_FUNCTION_NAME:
        raise InfraError(
            f"function name {function_name!r} is longer than {MAX_FUNCTION_NAME} characters: "
            "shorten the route name or the stage"
        )


def _check_handler(handler: str) -> None:
    """A typo in a handler would otherwise surface only as a 502 after deploying."""
    module = handler.rsplit(".", 1)[0]
    path = FUNCTIONS_DIR.joinpath(*module.split("."))
    if not (path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()):
        raise InfraError(f"handler module {module!r} not found under {FUNCTIONS_DIR.name}/")
