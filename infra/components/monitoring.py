"""What an operator watches: alarms on the API, every function, every table and every
dead-letter queue, all notifying one encrypted SNS topic, and one dashboard for the stage.

Everything is derived from the other components, so a route, worker or table added to the
declarations gets its alarms and its lines on the dashboard with no change here. The runbook
that goes with it is docs/operations.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from conduit.resources import COMPENSATION_FAILED_METRIC, METRICS_NAMESPACE, SERVICE_NAME, Table
from infra.components.api import Api
from infra.components.data import Data, table_construct_id
from infra.components.workers import Workers
from infra.config import StageConfig

#: Alarm periods: short enough to page within minutes, long enough to hold a few requests.
PERIOD_MINUTES = 5
PERIOD = Duration.minutes(PERIOD_MINUTES)
#: The API alarms when more than this share of its responses are 5xx in a period.
API_5XX_PERCENT = 5
#: ... or when its p99 latency exceeds this for `API_LATENCY_PERIODS` periods in a row: far
#: above a warm request (tens of ms), so cold starts alone do not page anyone.
API_P99_LATENCY_MS = 3000
API_LATENCY_PERIODS = 3
#: A function alarms on its first unhandled error or throttle: a handler answers every expected
#: failure with a 4xx, so an `Errors` datapoint is a bug or an outage.
FUNCTION_ERRORS = 1
FUNCTION_THROTTLES = 1
#: Any message in a dead-letter queue is a stream change that was never applied.
DLQ_MESSAGES = 0
#: Any throttled read or write (on-demand tables throttle only past their partition limits).
TABLE_THROTTLES = 0
#: Any undo across Cognito and DynamoDB that failed leaves something to repair by hand.
COMPENSATIONS_FAILED = 0


@dataclass(frozen=True)
class Watched:
    """What the monitoring reads from the rest of the stack, by the names the declarations use."""

    functions: Mapping[str, lambda_.IFunction]  # route or worker name -> function
    tables: Mapping[Table, dynamodb.ITable]
    dead_letter_queues: Mapping[str, sqs.IQueue]  # worker name -> queue

    @classmethod
    def of(cls, api: Api, data: Data, workers: Workers) -> Watched:
        functions: dict[str, lambda_.IFunction] = {
            name: endpoint.handler.function for name, endpoint in api.endpoints.items()
        }
        functions.update({name: worker.handler.function for name, worker in workers.workers.items()})
        return cls(
            functions=functions,
            tables={table: data.table(table) for table in data.declarations},
            dead_letter_queues={name: w.dead_letter_queue for name, w in workers.workers.items()},
        )


class Monitoring(Construct):
    """The alarm topic (and its key), the alarms, and the stage's dashboard."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, api: Api, watched: Watched
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.topic = self._topic()
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self._api_alarms(api)
        for name, function in watched.functions.items():
            self._function_alarms(name, function)
        for name, queue in watched.dead_letter_queues.items():
            self._alarm(
                f"{name}DeadLetterQueue",
                f"{name}-dlq-depth",
                f"Stream changes {name} failed to apply are waiting in its dead-letter queue: "
                "see docs/operations.md, 'Dead-letter queue'.",
                queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                threshold=DLQ_MESSAGES,
            )
        for table, resource in watched.tables.items():
            self._alarm(
                f"{table_construct_id(table)}TableThrottles",
                f"{table.key}-throttles",
                f"Reads or writes on table {table.key} (or its indexes) were throttled.",
                _table_throttles(table, resource),
                threshold=TABLE_THROTTLES,
            )
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=config.resource_name("dashboard"),
            default_interval=Duration.hours(3),
            widgets=_dashboard_rows(api, watched),
        )

    def _topic(self) -> sns.Topic:
        retain = RemovalPolicy.RETAIN if self.config.retain else RemovalPolicy.DESTROY
        # A key of the stack's own, not the AWS-managed `alias/aws/sns`: CloudWatch can publish
        # to an encrypted topic only when the key's policy lets it, and the managed key's policy
        # cannot be changed.
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"Encrypts the Conduit alarm topic ({self.config.stage})",
            enable_key_rotation=True,
            pending_window=Duration.days(7),
            removal_policy=retain,
        )
        cloudwatch_principal = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[cloudwatch_principal],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=self.config.resource_name("alarms"),
            display_name=f"Conduit alarms ({self.config.stage})",
            master_key=key,
            enforce_ssl=True,
        )
        stack = Stack.of(self)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsOfThisAccount",
                principals=[cloudwatch_principal],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
        if self.config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.config.alarm_email))
        return topic

    def _api_alarms(self, api: Api) -> None:
        http_api = api.http_api
        self._alarm(
            "CompensationFailed",
            "compensation-failed",
            "A request that failed halfway could not undo what it did in Cognito or DynamoDB: "
            "see docs/operations.md, 'Compensation failed'.",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=COMPENSATION_FAILED_METRIC,
                dimensions_map={"service": SERVICE_NAME},
                period=PERIOD,
                statistic="Sum",
            ),
            threshold=COMPENSATIONS_FAILED,
        )
        self._alarm(
            "Api5xxRate",
            "api-5xx-rate",
            f"More than {API_5XX_PERCENT}% of API responses were 5xx over {PERIOD_MINUTES} minutes.",
            cloudwatch.MathExpression(
                expression="IF(requests > 0, 100 * errors / requests, 0)",
                using_metrics={
                    "errors": http_api.metric_server_error(period=PERIOD, statistic="Sum"),
                    "requests": http_api.metric_count(period=PERIOD, statistic="Sum"),
                },
                label="5xx responses (%)",
                period=PERIOD,
            ),
            threshold=API_5XX_PERCENT,
        )
        self._alarm(
            "ApiLatencyP99",
            "api-latency-p99",
            f"API p99 latency was above {API_P99_LATENCY_MS} ms for {API_LATENCY_PERIODS} periods in a row.",
            http_api.metric_latency(period=PERIOD, statistic="p99"),
            threshold=API_P99_LATENCY_MS,
            periods=API_LATENCY_PERIODS,
        )

    def _function_alarms(self, name: str, function: lambda_.IFunction) -> None:
        self._alarm(
            f"{name}Errors",
            f"{name}-errors",
            f"Function {name} raised an unhandled error (see its log group and X-Ray traces).",
            function.metric_errors(period=PERIOD, statistic="Sum"),
            threshold=FUNCTION_ERRORS,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        )
        self._alarm(
            f"{name}Throttles",
            f"{name}-throttles",
            f"Invocations of function {name} were throttled (account or reserved concurrency reached).",
            function.metric_throttles(period=PERIOD, statistic="Sum"),
            threshold=FUNCTION_THROTTLES,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        )

    def _alarm(
        self,
        construct_id: str,
        suffix: str,
        description: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=self.config.resource_name(suffix),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            # No traffic is not an outage: a quiet stage stays OK.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cloudwatch_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms[construct_id] = alarm


def _table_throttles(
    declaration: Table, table: dynamodb.ITable, period: Duration = PERIOD
) -> cloudwatch.MathExpression:
    """Throttled reads plus writes (`ThrottledRequests` would need one metric per operation).
    The metric ids carry the table, so several tables fit in one graph."""
    suffix = re.sub(r"[^A-Za-z0-9]", "_", declaration.key)
    reads, writes = f"reads_{suffix}", f"writes_{suffix}"
    return cloudwatch.MathExpression(
        expression=f"FILL({reads}, 0) + FILL({writes}, 0)",
        using_metrics={
            reads: table.metric("ReadThrottleEvents", period=period, statistic="Sum"),
            writes: table.metric("WriteThrottleEvents", period=period, statistic="Sum"),
        },
        label=declaration.key,
        period=period,
    )


def _graph(title: str, metrics: Sequence[cloudwatch.IMetric], *, width: int = 8) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=width, height=6)


def _dashboard_rows(api: Api, watched: Watched) -> list[list[cloudwatch.IWidget]]:
    http_api = api.http_api
    minute = Duration.minutes(1)
    functions = watched.functions.items()
    tables = watched.tables.items()
    return [
        [
            _graph("API requests", [http_api.metric_count(period=minute, statistic="Sum", label="requests")]),
            _graph(
                "API errors",
                [
                    http_api.metric_client_error(period=minute, statistic="Sum", label="4xx"),
                    http_api.metric_server_error(period=minute, statistic="Sum", label="5xx"),
                ],
            ),
            _graph(
                "API latency (ms)",
                [
                    http_api.metric_latency(period=minute, statistic="p50", label="p50"),
                    http_api.metric_latency(period=minute, statistic="p99", label="p99"),
                    http_api.metric_integration_latency(
                        period=minute, statistic="p99", label="integration p99"
                    ),
                ],
            ),
        ],
        [
            _graph(
                "Function errors",
                [f.metric_errors(period=minute, statistic="Sum", label=name) for name, f in functions],
                width=12,
            ),
            _graph(
                "Function duration p99 (ms)",
                [f.metric_duration(period=minute, statistic="p99", label=name) for name, f in functions],
                width=12,
            ),
        ],
        [
            _graph(
                "DynamoDB consumed reads",
                [
                    t.metric_consumed_read_capacity_units(period=minute, statistic="Sum", label=table.key)
                    for table, t in tables
                ],
            ),
            _graph(
                "DynamoDB consumed writes",
                [
                    t.metric_consumed_write_capacity_units(period=minute, statistic="Sum", label=table.key)
                    for table, t in tables
                ],
            ),
            _graph("DynamoDB throttles", [_table_throttles(table, t, minute) for table, t in tables]),
        ],
        [
            _graph(
                "Dead-letter queue depth",
                [
                    q.metric_approximate_number_of_messages_visible(
                        period=minute, statistic="Maximum", label=name
                    )
                    for name, q in watched.dead_letter_queues.items()
                ],
                width=24,
            ),
        ],
    ]
