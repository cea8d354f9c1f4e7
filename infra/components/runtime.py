"""What every Conduit function runs on, shared by the API's functions and the stream workers.

Python 3.13 on arm64, the shared-code and dependency layers and the `functions/` code (each with
its 3.13 bytecode, see infra.bytecode), X-Ray tracing, a log group kept a month, and an
environment and role holding only what it is granted. Functions that verify tokens also get
the user pool's signing keys, read once the pool exists by a deploy-time custom resource
(functions/deploy/signing_keys.py), so no cold start fetches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from conduit.auth import MAX_SHIPPED_KEYS_BYTES
from conduit.resources import Table, UserPool, powertools_env
from conduit.routes import SIGNING_KEYS_HANDLER, Grant
from contract import openapi
from infra import bytecode, layers
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
#: What the API invokes when the stage runs SnapStart: the function's latest published version.
LIVE_ALIAS = "live"
#: Lambda's limit on a function's environment: all names and values together.
MAX_ENVIRONMENT_BYTES = 4096
#: The longest user pool and app client ids Cognito issues (its API's length limits).
MAX_POOL_ID_CHARS = 55
MAX_CLIENT_ID_CHARS = 128
#: The deploy-time reader of the pool's signing keys (functions/deploy/signing_keys.py).
SIGNING_KEYS_NAME = "SigningKeys"


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
        # missing Python 3.13 is refused (or warned about) as such, not from inside CDK's
        # bundling. A synth that bundles nothing (`cdk list`, the tests) compiles nothing.
        interpreter = bytecode.interpreter_for_assets() if Stack.of(self).bundling_required else None
        if (
            interpreter is not None
            and not config.dependency_layer_overridden
            and layers.built_recipe() == bytecode.SOURCES_ONLY
        ):
            raise InfraError(
                "the dependency layer was built with sources only, before a Python 3.13 was found: "
                "rebuild it with `.venv/bin/python scripts/build_layers.py` (`make synth` and "
                "`make deploy` do)"
            )
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
        # One asset for all functions: each ships the whole functions/ tree (it is small), with
        # the OpenAPI document generated now, beside the handler of the route that serves it.
        openapi.publish()
        self.code = compiled_code(FUNCTIONS_DIR, interpreter)
        self._function_names: set[str] = set()
        self._signing_keys: CustomResource | None = None

    @property
    def signing_keys(self) -> str:
        """The pool's signing keys as `conduit.auth` reads them: read at deploy time, once."""
        if self._signing_keys is None:
            reader = self.function(
                self,
                SIGNING_KEYS_NAME,
                name=SIGNING_KEYS_NAME,
                handler=SIGNING_KEYS_HANDLER,
                description="deploy-time reader of the user pool's signing keys",
                memory_mb=128,
                timeout_seconds=60,
                grants=(),
                tables=(),
                user_pool=False,
            )
            provider = self.identity.user_pool.user_pool_provider_url  # cognito-idp.<region>.../<pool id>
            self._signing_keys = CustomResource(
                self,
                "SigningKeysOfThePool",
                service_token=reader.function.function_arn,
                resource_type="Custom::ConduitSigningKeys",
                # A new pool (a new URL) reads its keys again; keys the pool adds later are
                # fetched by the functions themselves, for the key id they do not know.
                properties={"JwksUrl": f"https://{provider}/.well-known/jwks.json"},
            )
        return self._signing_keys.get_att_string("Keys")

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
        verifies_tokens: bool = False,
        snap_start: bool = False,
        settings: Mapping[str, str] | None = None,
    ) -> ConduitFunction:
        """A function named `conduit-<stage>-<name>` that may use `tables` and, if asked, the pool
        (and its signing keys); with `snap_start`, published behind the `live` alias. `settings`
        are further environment variables it reads."""
        function_name = self.config.resource_name(name)
        if function_name in self._function_names:
            raise InfraError(
                f"two functions are named {function_name!r}: route and worker names must all be different"
            )
        self._function_names.add(function_name)
        environment = {**self._environment(tables, user_pool, verifies_tokens), **(settings or {})}
        self._check_environment_size(function_name, environment, tables)
        return ConduitFunction(
            scope,
            construct_id,
            runtime=self,
            function_name=function_name,
            handler=handler,
            description=f"Conduit {description} ({self.config.stage})",
            memory_mb=memory_mb,
            timeout_seconds=timeout_seconds,
            environment=environment,
            snap_start=snap_start,
            statements=[
                iam.PolicyStatement(actions=list(s.actions), resources=list(s.resources))
                for s in grant_statements(
                    name, grants, table_arn=self._table_arn, user_pool_arn=self._user_pool_arn
                )
            ],
        )

    def _environment(self, tables: Sequence[Table], user_pool: bool, verifies_tokens: bool) -> dict[str, str]:
        """Powertools settings plus only the resources the function uses (conduit.settings reads them)."""
        environment = powertools_env(self.config.stage, self.config.log_level)
        for table in tables:
            environment[table.env_var] = self.data.table(table).table_name
        if user_pool:
            pool = self.identity.declaration
            environment[pool.pool_id_env_var] = self.identity.user_pool.user_pool_id
            environment[pool.client_id_env_var] = self.identity.client.user_pool_client_id
        if verifies_tokens:
            environment[self.identity.declaration.keys_env_var] = self.signing_keys
        return environment

    def _check_environment_size(
        self, function_name: str, environment: dict[str, str], tables: Sequence[Table]
    ) -> None:
        """Lambda refuses an environment over 4 KB only at deploy time: refuse it at synth, with
        the values not known yet (ids, the keys) taken at their largest."""
        pool = self.identity.declaration
        largest = {
            pool.pool_id_env_var: MAX_POOL_ID_CHARS,
            pool.client_id_env_var: MAX_CLIENT_ID_CHARS,
            pool.keys_env_var: MAX_SHIPPED_KEYS_BYTES,
        }
        overrides = self.config.table_overrides
        for table in tables:
            override = overrides.get(table.key)
            largest[table.env_var] = len(
                override.table_name if override else table.physical_name(self.config.stage)
            )
        size = sum(len(name) + largest.get(name, len(value)) for name, value in environment.items())
        if size > MAX_ENVIRONMENT_BYTES:
            raise InfraError(
                f"the environment of {function_name} may take {size} bytes, over Lambda's "
                f"{MAX_ENVIRONMENT_BYTES}: shorten the overridden table names"
            )

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
        snap_start: bool = False,
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
            # and a cold start (its imports) is CPU bound, while a request does a few
            # DynamoDB calls; 10 s for a route, far above its p99 yet below API Gateway's 30 s
            # integration timeout so a stuck call fails as a function error, not a gateway one;
            # 300 s for a stream worker, which fans an article out to every follower.
            memory_size=memory_mb,
            timeout=Duration.seconds(timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            environment=environment,
            # A snapshot of the initialised function (conduit.snapstart warms it first) is taken
            # when a version is published; cold starts restore it instead of running init.
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            # A replaced version is deleted, so its cached snapshot stops being billed.
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY)
            if snap_start
            else None,
        )
        #: What callers invoke: the `live` alias of the latest version with SnapStart, else $LATEST.
        self.target: lambda_.IFunction = (
            lambda_.Alias(self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version)
            if snap_start
            else self.function
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
