"""The HTTP API: one function (with its own log group and role) and one route per `Route`.

New entries in `conduit.routes.ROUTES` appear here with no change: everything a function
gets (handler, memory, environment, permissions) is read from its entry. The `$default` stage
is throttled per stage (see `StageConfig.throttle_rate`) and writes one JSON access-log line
per request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from conduit.api.cors import CORS, CorsPolicy
from conduit.resources import ORIGIN_SECRET_ENV_VAR
from conduit.routes import Route, tables_used, uses_user_pool, verifies_tokens
from infra.components.runtime import LOG_RETENTION, Runtime
from infra.errors import InfraError

#: The `$default` stage serves the API at its root URL, no stage name in the path.
DEFAULT_STAGE_NAME = "$default"

#: One JSON object per request. Values are all quoted: a `$context` variable that is empty
#: (no integration latency when API Gateway answers by itself) still gives valid JSON.
ACCESS_LOG_FORMAT: dict[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "error": "$context.error.message",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
}


class Api(Construct):
    """HttpApi with a throttled, access-logged `$default` auto-deployed stage, the shared CORS
    policy and an `Endpoint` per route."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: Runtime,
        routes: Sequence[Route],
        cors: CorsPolicy = CORS,
        origin_secret: str | None = None,
    ) -> None:
        """`origin_secret`: on a stage with the edge, what every function is given to refuse a
        request that did not come through the distribution (conduit.origin)."""
        super().__init__(scope, construct_id)
        config = runtime.config
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=config.resource_name("api"),
            description=f"Conduit RealWorld API ({config.stage})",
            # Made below, as HttpApi would (same construct id), plus throttling and access logs.
            create_default_stage=False,
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=list(cors.allow_origins),
                allow_headers=list(cors.allow_headers),
                allow_methods=[apigwv2.CorsHttpMethod[method] for method in cors.allow_methods],
                max_age=Duration.seconds(cors.max_age_seconds),
            ),
        )
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{config.resource_name('api')}/access",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN if config.retain else RemovalPolicy.DESTROY,
        )
        self.stage = apigwv2.HttpStage(
            self.http_api,
            "DefaultStage",
            http_api=self.http_api,
            stage_name=DEFAULT_STAGE_NAME,
            auto_deploy=True,
            # Applies to every route (DefaultRouteSettings): one limit for the whole stage.
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.throttle_rate, burst_limit=config.throttle_burst
            ),
        )
        # The L2 stage takes access-log settings only as an object implementing a jsii
        # interface; the L1 property takes the destination and format as they are.
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn,
            format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
        )
        self.endpoints: dict[str, Endpoint] = {}
        for route in routes:
            if route.name in self.endpoints:
                raise InfraError(f"two routes are named {route.name!r}: route names must be unique")
            self.endpoints[route.name] = Endpoint(
                self, route, runtime=runtime, http_api=self.http_api, origin_secret=origin_secret
            )

    @property
    def base_url(self) -> str:
        """What a RealWorld frontend is configured with: the `$default` stage's URL plus `/api`."""
        return f"{self.http_api.api_endpoint}/api"


class Endpoint(Construct):
    """A route's own function and the API route that invokes it (payload format 2.0)."""

    def __init__(
        self,
        scope: Construct,
        route: Route,
        *,
        runtime: Runtime,
        http_api: apigwv2.HttpApi,
        origin_secret: str | None = None,
    ) -> None:
        super().__init__(scope, route.name)
        try:
            method = apigwv2.HttpMethod[route.method]
        except KeyError:
            raise InfraError(f"route {route.name}: unknown HTTP method {route.method!r}") from None
        self.handler = runtime.function(
            self,
            "Handler",
            name=route.name,
            handler=route.handler,
            description=route.route_key,
            memory_mb=route.memory_mb,
            timeout_seconds=route.timeout_seconds,
            grants=route.grants,
            tables=tables_used(route),
            user_pool=uses_user_pool(route),
            verifies_tokens=verifies_tokens(route),
            snap_start=runtime.config.snap_start,
            settings={
                **({ORIGIN_SECRET_ENV_VAR: origin_secret} if origin_secret else {}),
                **runtime.config.limit_settings(route.limit),
            },
        )
        self.route = apigwv2.HttpRoute(
            self,
            "Route",
            http_api=http_api,
            route_key=apigwv2.HttpRouteKey.with_(route.path, method),
            integration=HttpLambdaIntegration(
                "Integration",
                self.handler.target,
                payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
            ),
        )
        NagSuppressions.add_resource_suppressions(
            self.route,
            [
                NagPackSuppression(
                    id="AwsSolutions-APIG4",
                    reason="RealWorld sends `Authorization: Token <jwt>`, which API Gateway's JWT "
                    "authorizer does not parse (it wants `Bearer`), and optional-auth routes must "
                    "also run anonymously: the function verifies the Cognito token itself "
                    "(conduit.auth), with the pool's keys, on every route that needs it.",
                ),
            ],
            apply_to_children=True,
        )
