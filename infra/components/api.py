"""The HTTP API: one function (with its own log group and role) and one route per `Route`.

New entries in `conduit.routes.ROUTES` appear here with no change: everything a function
gets (handler, memory, environment, permissions) is read from its entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from conduit.api.cors import CORS, CorsPolicy
from conduit.routes import Route, tables_used, uses_user_pool
from infra.components.runtime import Runtime
from infra.errors import InfraError


class Api(Construct):
    """HttpApi with a `$default` auto-deployed stage, the shared CORS policy and an `Endpoint` per route."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: Runtime,
        routes: Sequence[Route],
        cors: CorsPolicy = CORS,
    ) -> None:
        super().__init__(scope, construct_id)
        config = runtime.config
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
        self.endpoints: dict[str, Endpoint] = {}
        for route in routes:
            if route.name in self.endpoints:
                raise InfraError(f"two routes are named {route.name!r}: route names must be unique")
            self.endpoints[route.name] = Endpoint(self, route, runtime=runtime, http_api=self.http_api)

    @property
    def base_url(self) -> str:
        """What a RealWorld frontend is configured with: the `$default` stage's URL plus `/api`."""
        return f"{self.http_api.api_endpoint}/api"


class Endpoint(Construct):
    """A route's own function and the API route that invokes it (payload format 2.0)."""

    def __init__(
        self, scope: Construct, route: Route, *, runtime: Runtime, http_api: apigwv2.HttpApi
    ) -> None:
        super().__init__(scope, route.name)
        try:
            method = apigwv2.HttpMethod[route.method]
        except KeyError:
            raise InfraError(f"route {route.name}: unknown HTTP method {route.method!r}") from None
        self.handler = runtime.function(
            self,
            "Handler",
            name=route.function_name_suffix,
            handler=route.handler,
            description=route.route_key,
            memory_mb=route.memory_mb,
            timeout_seconds=route.timeout_seconds,
            grants=route.grants,
            tables=tables_used(route),
            user_pool=uses_user_pool(route),
        )
        self.route = apigwv2.HttpRoute(
            self,
            "Route",
            http_api=http_api,
            route_key=apigwv2.HttpRouteKey.with_(route.path, method),
            integration=HttpLambdaIntegration(
                "Integration",
                self.handler.function,
                payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
            ),
        )
