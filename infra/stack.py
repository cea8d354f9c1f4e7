"""One stack per stage: data, identity, the API and the stream workers, plus the outputs a
frontend or script needs."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Annotations, CfnOutput, Stack, Tags
from constructs import Construct

from conduit.resources import APP_NAME, TABLES, USER_POOL, Table
from conduit.routes import ROUTES, WORKERS, Route, StreamWorker
from infra.components.api import Api
from infra.components.data import Data, table_construct_id
from infra.components.domain import Domain
from infra.components.edge import Edge, OriginSecret
from infra.components.identity import Identity
from infra.components.monitoring import Monitoring, Watched
from infra.components.runtime import Runtime
from infra.components.workers import Workers
from infra.config import DEPENDENCY_LAYER_DIR_KEY, StageConfig


class ConduitStack(Stack):
    """Composes the components; holds no resource definitions of its own."""

    def __init__(
        self,
        scope: Construct,
        config: StageConfig,
        *,
        tables: Sequence[Table] = TABLES,
        routes: Sequence[Route] = ROUTES,
        workers: Sequence[StreamWorker] = WORKERS,
    ) -> None:
        super().__init__(
            scope,
            config.stack_name,
            stack_name=config.stack_name,
            description=f"Conduit RealWorld API: Lambda, API Gateway, DynamoDB, Cognito ({config.stage})",
            termination_protection=config.retain,
        )
        self.config = config
        Tags.of(self).add("app", APP_NAME)
        Tags.of(self).add("stage", config.stage)

        self.data = Data(
            self,
            "Data",
            stage=config.stage,
            tables=tables,
            retain=config.retain,
            overrides=config.table_overrides,
        )
        self.identity = Identity(
            self,
            "Identity",
            stage=config.stage,
            pool=USER_POOL,
            retain=config.retain,
            token_minutes=config.token_minutes,
            threat_protection=config.threat_protection,
        )
        self.runtime = Runtime(self, "Runtime", config=config, data=self.data, identity=self.identity)
        # With the edge, CloudFront and the functions share a secret (infra/components/edge.py).
        origin_secret = OriginSecret(self, "OriginSecret", config=config) if config.cdn else None
        self.api = Api(
            self,
            "Api",
            runtime=self.runtime,
            routes=routes,
            origin_secret=origin_secret.value if origin_secret else None,
        )
        self.workers = Workers(self, "Workers", runtime=self.runtime, workers=workers)
        self.domain = Domain(self, "Domain", domain=config.domain) if config.domain else None
        self.edge = (
            Edge(
                self,
                "Edge",
                config=config,
                http_api=self.api.http_api,
                origin_secret=origin_secret,
                domain=self.domain,
            )
            if origin_secret is not None
            else None
        )
        if self.domain is not None and self.edge is None:
            self.domain.serve_api(self.api.http_api, self.api.stage)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            api=self.api,
            watched=Watched.of(self.api, self.data, self.workers),
        )

        if self.edge is not None:
            CfnOutput(
                self,
                "ApiUrl",
                value=self.edge.base_url,
                description="Base URL of the RealWorld API (CloudFront)",
            )
            CfnOutput(
                self,
                "ApiOriginUrl",
                value=self.api.base_url,
                description="The HTTP API behind the distribution",
            )
        else:
            CfnOutput(
                self,
                "ApiUrl",
                value=self.domain.base_url if self.domain else self.api.base_url,
                description="Base URL of the RealWorld API",
            )
        CfnOutput(
            self,
            "UserPoolId",
            value=self.identity.user_pool.user_pool_id,
            description=f"Value of {USER_POOL.pool_id_env_var}",
        )
        CfnOutput(
            self,
            "UserPoolClientId",
            value=self.identity.client.user_pool_client_id,
            description=f"Value of {USER_POOL.client_id_env_var}",
        )
        for table in self.data.declarations:
            CfnOutput(
                self,
                f"{table_construct_id(table)}TableName",
                value=self.data.table(table).table_name,
                description=f"Value of {table.env_var}",
            )
        for name, worker in self.workers.workers.items():
            queue = worker.dead_letter_queue
            CfnOutput(
                self,
                f"{name}DeadLetterQueueUrl",
                value=queue.queue_url,
                description=f"Dead-letter queue of {name}: stream batches it failed to process",
            )
            CfnOutput(self, f"{name}DeadLetterQueueName", value=queue.queue_name)
        CfnOutput(
            self,
            "AlarmTopicArn",
            value=self.monitoring.topic.topic_arn,
            description="Every alarm of the stage notifies this topic: subscribe to it",
        )
        CfnOutput(
            self,
            "DashboardName",
            value=self.monitoring.dashboard.dashboard_name,
            description="CloudWatch dashboard of the stage",
        )
        CfnOutput(
            self,
            "ApiAccessLogGroup",
            value=self.api.access_logs.log_group_name,
            description="One JSON line per API request",
        )

        if config.dependency_layer_overridden:
            Annotations.of(self).add_warning_v2(
                "conduit:placeholderDependencyLayer",
                f"the dependency layer comes from -c {DEPENDENCY_LAYER_DIR_KEY}="
                f"{config.dependency_layer_dir}: fine for a synth check, broken functions if deployed",
            )
