"""Alarms, their topic and the dashboard: every route, worker, table and dead-letter queue of
the declarations is watched, with no test change when one is added."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from conduit.resources import TABLES, Table
from conduit.routes import ROUTES, WORKERS
from tests.infra.conftest import CONFIGURED_CONTEXT, STAGE, Resource, function_id, only, table_id

FUNCTION_NAMES = [route.name for route in ROUTES] + [worker.name for worker in WORKERS]


def alarms(template: Template) -> list[Resource]:
    return list(template.find_resources("AWS::CloudWatch::Alarm").values())


def metric_stats(alarm: Resource) -> list[dict[str, Any]]:
    """The metrics an alarm reads, whether it watches one metric or a math expression."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [
            {
                "Namespace": properties["Namespace"],
                "MetricName": properties["MetricName"],
                "Dimensions": properties.get("Dimensions", []),
            }
        ]
    return [m["MetricStat"]["Metric"] for m in properties["Metrics"] if "MetricStat" in m]


def alarms_on(template: Template, namespace: str, metric: str, dimension: dict[str, Any]) -> list[Resource]:
    return [
        alarm
        for alarm in alarms(template)
        if any(
            m["Namespace"] == namespace and m["MetricName"] == metric and dimension in m["Dimensions"]
            for m in metric_stats(alarm)
        )
    ]


def topic_id(template: Template) -> str:
    logical_id, _ = only(template.find_resources("AWS::SNS::Topic"))
    return logical_id


def api_id(template: Template) -> str:
    logical_id, _ = only(template.find_resources("AWS::ApiGatewayV2::Api"))
    return logical_id


def queue_id(template: Template, worker_name: str) -> str:
    logical_id, _ = only(
        template.find_resources(
            "AWS::SQS::Queue", {"Properties": {"QueueName": f"conduit-{STAGE}-{worker_name}-dlq"}}
        )
    )
    return logical_id


# --- topic ----------------------------------------------------------------------------------


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears(template):
    topic = {"Ref": topic_id(template)}
    assert alarms(template)
    for alarm in alarms(template):
        assert alarm["Properties"]["AlarmActions"] == [topic]
        assert alarm["Properties"]["OKActions"] == [topic]


def test_quiet_stage_does_not_alarm(template):
    assert {a["Properties"]["TreatMissingData"] for a in alarms(template)} == {"notBreaching"}


def test_topic_is_encrypted_with_a_rotated_key_cloudwatch_may_use(template):
    _, topic = only(template.find_resources("AWS::SNS::Topic"))
    key_id, key = only(template.find_resources("AWS::KMS::Key"))
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    cloudwatch = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert [sorted(s["Action"]) for s in cloudwatch] == [["kms:Decrypt", "kms:GenerateDataKey*"]]


def test_topic_refuses_unencrypted_publishing_and_admits_this_accounts_alarms(template):
    _, policy = only(template.find_resources("AWS::SNS::TopicPolicy"))
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {
        "Action": "sns:Publish",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": "*",
        "Resource": {"Ref": topic_id(template)},
        "Sid": "AllowPublishThroughSSLOnly",
    } in statements
    [allow] = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_alarm_email_is_subscribed_only_when_the_context_gives_one(template, configured_template):
    template.resource_count_is("AWS::SNS::Subscription", 0)
    _, subscription = only(configured_template.find_resources("AWS::SNS::Subscription"))
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == CONFIGURED_CONTEXT["alarmEmail"]


# --- alarms ---------------------------------------------------------------------------------


def test_api_5xx_rate_alarm_divides_5xx_by_requests(template):
    api = {"Name": "ApiId", "Value": {"Ref": api_id(template)}}
    [alarm] = alarms_on(template, "AWS/ApiGateway", "5xx", api)
    read = {m["MetricName"] for m in metric_stats(alarm)}
    assert read == {"5xx", "Count"}
    [expression] = [m["Expression"] for m in alarm["Properties"]["Metrics"] if "Expression" in m]
    assert "100 * errors / requests" in expression
    assert alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
    assert 0 < alarm["Properties"]["Threshold"] <= 10  # a percentage


def test_api_p99_latency_alarm(template):
    api = {"Name": "ApiId", "Value": {"Ref": api_id(template)}}
    [alarm] = alarms_on(template, "AWS/ApiGateway", "Latency", api)
    assert alarm["Properties"]["ExtendedStatistic"] == "p99"
    assert alarm["Properties"]["Threshold"] < 30_000  # API Gateway's own integration timeout


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_alarms_on_its_first_error_and_throttle(template, name, metric):
    function = {"Name": "FunctionName", "Value": {"Ref": function_id(template, name)}}
    [alarm] = alarms_on(template, "AWS/Lambda", metric, function)
    properties = alarm["Properties"]
    assert (properties["Statistic"], properties["ComparisonOperator"], properties["Threshold"]) == (
        "Sum",
        "GreaterThanOrEqualToThreshold",
        1,
    )


@pytest.mark.parametrize("worker", WORKERS, ids=lambda w: w.name)
def test_every_dead_letter_queue_alarms_on_its_first_message(template, worker):
    queue = {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id(template, worker.name), "QueueName"]}}
    [alarm] = alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible", queue)
    properties = alarm["Properties"]
    assert (properties["Statistic"], properties["ComparisonOperator"], properties["Threshold"]) == (
        "Maximum",
        "GreaterThanThreshold",
        0,
    )


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_every_table_alarms_on_any_throttled_read_or_write(template, table: Table):
    dimension = {"Name": "TableName", "Value": {"Ref": table_id(template, table)}}
    [alarm] = alarms_on(template, "AWS/DynamoDB", "ReadThrottleEvents", dimension)
    assert alarms_on(template, "AWS/DynamoDB", "WriteThrottleEvents", dimension) == [alarm]
    assert (alarm["Properties"]["ComparisonOperator"], alarm["Properties"]["Threshold"]) == (
        "GreaterThanThreshold",
        0,
    )


def test_a_compensation_that_failed_alarms_at_once(template):
    [alarm] = alarms_on(template, "Conduit", "CompensationFailed", {"Name": "service", "Value": "conduit"})
    assert (alarm["Properties"]["ComparisonOperator"], alarm["Properties"]["Threshold"]) == (
        "GreaterThanThreshold",
        0,
    )


def test_there_are_no_other_alarms(template):
    expected = 3 + 2 * len(FUNCTION_NAMES) + len(WORKERS) + len(TABLES)
    assert len(alarms(template)) == expected


# --- dashboard ------------------------------------------------------------------------------


def dashboard_body(template: Template) -> str:
    """The body with each reference written as its logical id, so metrics can be looked up."""
    _, dashboard = only(template.find_resources("AWS::CloudWatch::Dashboard"))
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    return "".join(
        p if isinstance(p, str) else p.get("Ref") or ".".join(p.get("Fn::GetAtt", ["?"])) for p in parts
    )


def dashboard_metrics(template: Template) -> list[list[Any]]:
    body = json.loads(dashboard_body(template))
    return [
        metric
        for widget in body["widgets"]
        for metric in widget["properties"].get("metrics", [])
        if isinstance(metric, list)
    ]


def test_one_dashboard_for_the_stage(template):
    _, dashboard = only(template.find_resources("AWS::CloudWatch::Dashboard"))
    assert dashboard["Properties"]["DashboardName"] == f"conduit-{STAGE}-dashboard"


def test_dashboard_shows_api_requests_errors_and_latency(template):
    shown = {(m[0], m[1]) for m in dashboard_metrics(template) if m[0] == "AWS/ApiGateway"}
    assert shown == {
        ("AWS/ApiGateway", metric) for metric in ("Count", "4xx", "5xx", "Latency", "IntegrationLatency")
    }


@pytest.mark.parametrize("metric", ["Errors", "Duration"])
def test_dashboard_shows_every_functions_errors_and_duration(template, metric):
    shown = {m[3] for m in dashboard_metrics(template) if m[:3] == ["AWS/Lambda", metric, "FunctionName"]}
    assert shown == {function_id(template, name) for name in FUNCTION_NAMES}


@pytest.mark.parametrize(
    "metric",
    ["ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ReadThrottleEvents", "WriteThrottleEvents"],
)
def test_dashboard_shows_every_tables_capacity_and_throttles(template, metric):
    shown = {m[3] for m in dashboard_metrics(template) if m[:3] == ["AWS/DynamoDB", metric, "TableName"]}
    assert shown == {table_id(template, table) for table in TABLES}


def test_dashboard_shows_every_dead_letter_queue(template):
    shown = {
        m[3]
        for m in dashboard_metrics(template)
        if m[:3] == ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName"]
    }
    assert shown == {f"{queue_id(template, worker.name)}.QueueName" for worker in WORKERS}
