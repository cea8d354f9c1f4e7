"""The HTTP API: one function, log group, least-privilege role and route per `Route`.

New entries in `conduit.routes.ROUTES` appear here with no change: everything a function
gets (handler, memory, environment, permissions) is read from its entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from conduit.api.cors import CORS, CorsPolicy
from conduit.resources import Table, UserPool, powertools_env
from conduit.routes import Route, tables_used, uses_user_pool
from infra.components.data import Data
from infra.components.identity import Identity
from infra.config import StageConfig
from infra.errors import InfraError
from infra.paths import CODE_EXCLUDES, FUNCTIONS_DIR, SHARED_LAYER_DIR
from infra.permissions import Statement, route_statements

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
#: Lambda's limit on function names.
_MAX_FUNCTION_NAME = 64


class Api(Construct):
    """HttpApi with a `$default` auto-deployed stage, the shared CORS policy, and an `Endpoint` per route."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        routes: Sequence[Route],
        data: Data,
        identity: Identity,
        cors: CorsPolicy = CORS,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=config.resource_name("api"),
            description=f"Conduit RealWorld API ({config.stage})",
            create_default_stage=True,
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=list(cors.allow_origins),
                allow_headers=list(cors.allow_headers),
                allow_methods=[apigwv2.CorsHttpMethod[method] for method in cors.allow_methods],
                max_age=Duration.seconds(cors.max_age_seconds),
            ),
        )
        layers = [
            self._layer(
                "SharedCodeLayer", config, "shared", SHARED_LAYER_DIR.as_posix(), "shared code (conduit)"
            ),
            self._layer(
                "DependenciesLayer",
                config,
                "dependencies",
                config.dependency_layer_dir.as_posix(),
                "third-party packages from layers/dependencies/requirements.txt",
            ),
        ]
        # One asset for all functions: each bundles the whole functions/ tree (it is small).
        code = lambda_.Code.from_asset(FUNCTIONS_DIR.as_posix(), exclude=list(CODE_EXCLUDES))

        def table_arn(table: Table) -> str:
            return data.table(table).table_arn

        def user_pool_arn(pool: UserPool) -> str:
            _check_pool(pool, identity)
            return identity.user_pool.user_pool_arn

        self.endpoints: dict[str, Endpoint] = {}
        for route in routes:
            if route.name in self.endpoints:
                raise InfraError(f"two routes are named {route.name!r}: route names must be unique")
            self.endpoints[route.name] = Endpoint(
                self,
                route,
                config=config,
                http_api=self.http_api,
                code=code,
                layers=layers,
                environment=_environment(route, config, data, identity),
                statements=route_statements(route, table_arn=table_arn, user_pool_arn=user_pool_arn),
            )

    @property
    def base_url(self) -> str:
        """What a RealWorld frontend is configured with: the `$default` stage's URL plus `/api`."""
        return f"{self.http_api.api_endpoint}/api"

    def _layer(
        self, construct_id: str, config: StageConfig, suffix: str, path: str, what: str
    ) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            construct_id,
            layer_version_name=config.resource_name(suffix),
            description=f"Conduit {what} ({config.stage})",
            code=lambda_.Code.from_asset(path, exclude=list(CODE_EXCLUDES)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )


class Endpoint(Construct):
    """A route's function with its own log group and role, and the route that invokes it."""

    def __init__(
        self,
        scope: Construct,
        route: Route,
        *,
        config: StageConfig,
        http_api: apigwv2.HttpApi,
        code: lambda_.Code,
        layers: Sequence[lambda_.ILayerVersion],
        environment: dict[str, str],
        statements: Sequence[Statement],
    ) -> None:
        super().__init__(scope, route.name)
        _check_handler(route)
        function_name = config.resource_name(route.function_name_suffix)
        if len(function_name) > _MAX_FUNCTION_NAME:
            raise InfraError(
                f"function name {function_name!r} is longer than {_MAX_FUNCTION_NAME} characters: "
                "shorten the route name or the stage"
            )
        try:
            method = apigwv2.HttpMethod[route.method]
        except KeyError:
            raise InfraError(f"route {route.name}: unknown HTTP method {route.method!r}") from None
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            # Lambda's default name, so the console and `sam logs`-style tools find it.
            log_group_name=f"/aws/lambda/{function_name}",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN if config.retain else RemovalPolicy.DESTROY,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=f"Conduit {route.route_key} ({config.stage})",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=route.handler,
            code=code,
            layers=list(layers),
            memory_size=route.memory_mb,
            timeout=Duration.seconds(route.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            environment=environment,
        )
        for statement in statements:
            self.function.add_to_role_policy(
                iam.PolicyStatement(actions=list(statement.actions), resources=list(statement.resources))
            )
        self.route = apigwv2.HttpRoute(
            self,
            "Route",
            http_api=http_api,
            route_key=apigwv2.HttpRouteKey.with_(route.path, method),
            integration=HttpLambdaIntegration(
                "Integration",
                self.function,
                payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
            ),
        )


def _environment(route: Route, config: StageConfig, data: Data, identity: Identity) -> dict[str, str]:
    """Powertools settings plus only the resources this route touches (settings.py reads them)."""
    environment = powertools_env(config.stage, config.log_level)
    for table in tables_used(route):
        environment[table.env_var] = data.table(table).table_name
    if uses_user_pool(route):
        pool = identity.declaration
        environment[pool.pool_id_env_var] = identity.user_pool.user_pool_id
        environment[pool.client_id_env_var] = identity.client.user_pool_client_id
    return environment


def _check_handler(route: Route) -> None:
    """A typo in `Route.handler` would otherwise surface only as a 502 after deploying."""
    module = FUNCTIONS_DIR.joinpath(*route.module.split("."))
    if not (module.with_suffix(".py").is_file() or (module / "__init__.py").is_file()):
        raise InfraError(
            f"route {route.name}: handler module {route.module!r} not found under {FUNCTIONS_DIR.name}/"
        )


def _check_pool(pool: UserPool, identity: Identity) -> None:
    if pool != identity.declaration:
        raise InfraError(
            f"a route grants user pool {pool.key!r}, but the stack has only {identity.declaration.key!r}"
        )
