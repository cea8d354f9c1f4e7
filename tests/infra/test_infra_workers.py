"""The stream workers in the synthesized template match `conduit.routes.WORKERS`.

Each worker is a function fed by the streams of its source tables through one event source
mapping per table, with a dead-letter queue for the batches it cannot process. Expectations
are computed from the declarations, so a worker or a source added there needs no test change.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from conduit.resources import (
    ARTICLES,
    CELEBRITY_FOLLOWERS_ENV_VAR,
    DEFAULT_CELEBRITY_FOLLOWERS,
    FOLLOWS,
    LISTINGS,
    USER_POOL,
    USERS,
    Table,
    powertools_env,
)
from conduit.routes import ROUTES, WORKERS, StreamWorker, TableGrant, uses_user_pool
from infra.errors import InfraError
from tests.infra.conftest import (
    GUARDED_PREFIXES,
    STAGE,
    XRAY_ACTIONS,
    Resource,
    as_list,
    function,
    function_id,
    grant_pairs,
    only,
    pair,
    permission_pairs,
    statements_of,
    table_id,
)

#: What Lambda needs to read a stream it is given by ARN, on that stream only (not ListStreams,
#: which only `Resource: "*"` can grant).
STREAM_READ_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords")
#: What CDK grants a function to send its failed batches to an SQS destination.
DLQ_SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
FOURTEEN_DAYS = 14 * 24 * 60 * 60
ONE_DAY = 24 * 60 * 60

SOURCES = [
    pytest.param(worker, source, id=f"{worker.name}-{source.key}")
    for worker in WORKERS
    for source in worker.sources
]
each_worker = pytest.mark.parametrize("worker", WORKERS, ids=lambda w: w.name)
each_source = pytest.mark.parametrize(("worker", "source"), SOURCES)


# --- reading the template -------------------------------------------------------------------


def queue_name(worker: StreamWorker) -> str:
    return f"conduit-{STAGE}-{worker.name}-dlq"


def queue_id(template: Template, worker: StreamWorker) -> str:
    logical_id, _ = only(
        template.find_resources("AWS::SQS::Queue", {"Properties": {"QueueName": queue_name(worker)}})
    )
    return logical_id


def queue(template: Template, worker: StreamWorker) -> Resource:
    return template.find_resources("AWS::SQS::Queue")[queue_id(template, worker)]


def stream_arn(template: Template, table: Table) -> dict[str, Any]:
    return {"Fn::GetAtt": [table_id(template, table), "StreamArn"]}


def mappings_of(template: Template, worker: StreamWorker) -> list[Resource]:
    return list(
        template.find_resources(
            "AWS::Lambda::EventSourceMapping",
            {"Properties": {"FunctionName": {"Ref": function_id(template, worker.name)}}},
        ).values()
    )


def mapping(template: Template, worker: StreamWorker, source: Table) -> Resource:
    found = [
        m
        for m in mappings_of(template, worker)
        if m["Properties"]["EventSourceArn"] == stream_arn(template, source)
    ]
    assert len(found) == 1, f"expected one mapping of {source.key} to {worker.name}, found {len(found)}"
    return found[0]


def granted_tables(worker: StreamWorker) -> list[Table]:
    return list(dict.fromkeys(g.table for g in worker.grants if isinstance(g, TableGrant)))


def expected_environment(template: Template, worker: StreamWorker) -> dict[str, Any]:
    """Its granted tables, and its source tables: it tells a record's stream by their names."""
    expected: dict[str, Any] = dict(powertools_env(STAGE))
    for table in dict.fromkeys([*granted_tables(worker), *worker.sources]):
        expected[table.env_var] = {"Ref": table_id(template, table)}
    defaults = {CELEBRITY_FOLLOWERS_ENV_VAR: str(DEFAULT_CELEBRITY_FOLLOWERS)}
    expected.update({name: defaults[name] for name in worker.settings})
    if uses_user_pool(worker):  # it deletes a deleted account's Cognito user
        [pool] = template.find_resources("AWS::Cognito::UserPool")
        [client] = template.find_resources("AWS::Cognito::UserPoolClient")
        expected[USER_POOL.pool_id_env_var] = {"Ref": pool}
        expected[USER_POOL.client_id_env_var] = {"Ref": client}
    return expected


def expected_pairs(template: Template, worker: StreamWorker) -> set[tuple[str, str]]:
    """Its grants, reading its sources' streams, and sending failures to its own queue."""
    queue_arn = {"Fn::GetAtt": [queue_id(template, worker), "Arn"]}
    return (
        grant_pairs(template, worker.grants)
        | {pair(a, stream_arn(template, t)) for a in STREAM_READ_ACTIONS for t in worker.sources}
        | {pair(a, queue_arn) for a in DLQ_SEND_ACTIONS}
    )


# --- the function ---------------------------------------------------------------------------


@each_worker
def test_worker_has_a_function_named_after_it_running_its_handler(template, worker):
    assert function(template, worker.name)["Properties"]["Handler"] == worker.handler


@each_worker
def test_worker_function_runs_python_3_13_on_arm64(template, worker):
    properties = function(template, worker.name)["Properties"]
    assert (properties["Runtime"], properties["Architectures"]) == ("python3.13", ["arm64"])


@each_worker
def test_worker_memory_and_timeout_come_from_its_declaration(template, worker):
    properties = function(template, worker.name)["Properties"]
    assert (properties["MemorySize"], properties["Timeout"]) == (worker.memory_mb, worker.timeout_seconds)


@each_worker
def test_worker_environment_names_only_its_sources_and_the_tables_it_is_granted(template, worker):
    variables = function(template, worker.name)["Properties"]["Environment"]["Variables"]
    assert variables == expected_environment(template, worker)


# --- the event source mappings --------------------------------------------------------------


def test_there_is_one_mapping_per_worker_and_source_table(template):
    mappings = template.find_resources("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == len(SOURCES)


@each_worker
def test_worker_is_invoked_by_the_streams_of_its_sources_only(template, worker):
    arns = [m["Properties"]["EventSourceArn"] for m in mappings_of(template, worker)]
    assert sorted(arns, key=str) == sorted((stream_arn(template, s) for s in worker.sources), key=str)


@each_source
def test_mapping_starts_from_the_oldest_record_in_the_stream(template, worker, source):
    assert mapping(template, worker, source)["Properties"]["StartingPosition"] == "TRIM_HORIZON"


@each_source
def test_mapping_takes_batches_of_the_declared_size(template, worker, source):
    assert mapping(template, worker, source)["Properties"]["BatchSize"] == worker.batch_size


@each_source
def test_mapping_splits_a_failing_batch_to_isolate_the_bad_record(template, worker, source):
    assert mapping(template, worker, source)["Properties"]["BisectBatchOnFunctionError"] is True


@each_source
def test_mapping_retries_a_failing_batch_the_declared_number_of_times(template, worker, source):
    assert mapping(template, worker, source)["Properties"]["MaximumRetryAttempts"] == worker.max_retries


@each_source
def test_mapping_lets_the_function_report_which_records_failed(template, worker, source):
    assert (
        "ReportBatchItemFailures" in mapping(template, worker, source)["Properties"]["FunctionResponseTypes"]
    )


@each_source
def test_mapping_sends_what_fails_to_the_workers_own_queue(template, worker, source):
    destination = mapping(template, worker, source)["Properties"]["DestinationConfig"]
    assert destination == {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id(template, worker), "Arn"]}}}


@each_source
def test_mapping_gives_up_on_records_older_than_a_day(template, worker, source):
    assert mapping(template, worker, source)["Properties"]["MaximumRecordAgeInSeconds"] == ONE_DAY


@each_source
def test_mapping_processes_one_batch_per_shard_at_a_time_to_keep_each_keys_order(template, worker, source):
    assert mapping(template, worker, source)["Properties"]["ParallelizationFactor"] == 1


# --- the dead-letter queue ------------------------------------------------------------------


@each_worker
def test_worker_has_a_dead_letter_queue_named_after_it(template, worker):
    assert queue(template, worker)["Properties"]["QueueName"] == queue_name(worker)


@each_worker
def test_dead_letter_queue_is_encrypted_with_sqs_managed_keys(template, worker):
    assert queue(template, worker)["Properties"]["SqsManagedSseEnabled"] is True


@each_worker
def test_dead_letter_queue_keeps_messages_fourteen_days(template, worker):
    assert queue(template, worker)["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS


@each_worker
def test_dead_letter_queue_refuses_every_request_without_tls(template, worker):
    queue_ref = {"Ref": queue_id(template, worker)}
    _, policy = only(
        {
            logical_id: p
            for logical_id, p in template.find_resources("AWS::SQS::QueuePolicy").items()
            if queue_ref in p["Properties"]["Queues"]
        }
    )
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "sqs:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Resource": {"Fn::GetAtt": [queue_id(template, worker), "Arn"]},
        }
    ]


def test_outputs_give_each_dead_letter_queues_url_and_name(template):
    outputs = [o["Value"] for o in template.find_outputs("*").values()]
    for worker in WORKERS:
        logical_id = queue_id(template, worker)
        assert {"Ref": logical_id} in outputs
        assert {"Fn::GetAtt": [logical_id, "QueueName"]} in outputs


# --- permissions ----------------------------------------------------------------------------


@each_worker
def test_worker_may_call_exactly_its_grants_read_its_streams_and_send_to_its_queue(template, worker):
    assert permission_pairs(statements_of(template, worker.name)) == expected_pairs(template, worker)


@each_worker
def test_worker_has_no_other_permission_than_those_and_tracing(template, worker):
    actions = {a for s in statements_of(template, worker.name) for a in as_list(s["Action"])}
    assert {a for a in actions if not a.startswith(GUARDED_PREFIXES)} <= XRAY_ACTIONS


# --- declarations the app derives from, or refuses ------------------------------------------


def probe_worker(**overrides: Any) -> StreamWorker:
    fields: dict[str, Any] = {
        "name": "ProbeWorker",
        "handler": WORKERS[0].handler,
        "sources": (FOLLOWS,),
        "grants": (TableGrant(USERS, ("GetItem",)),),
        **overrides,
    }
    return StreamWorker(**fields)


ADDED = probe_worker(sources=(FOLLOWS, ARTICLES), batch_size=7, max_retries=2)


@pytest.fixture(scope="module")
def added(synth) -> Template:
    """The stack with only a worker that is not in the declarations."""
    return Template.from_stack(synth(STAGE, routes=(), workers=(ADDED,)))


def test_added_worker_gets_a_function_with_its_tables_environment(added):
    variables = function(added, ADDED.name)["Properties"]["Environment"]["Variables"]
    assert variables == expected_environment(added, ADDED)


def test_added_worker_gets_a_mapping_per_source_with_its_batch_settings(added):
    settings = sorted(
        (
            str(m["Properties"]["EventSourceArn"]),
            m["Properties"]["BatchSize"],
            m["Properties"]["MaximumRetryAttempts"],
        )
        for m in mappings_of(added, ADDED)
    )
    assert settings == sorted((str(stream_arn(added, s)), 7, 2) for s in ADDED.sources)


def test_added_worker_gets_its_grants_its_streams_and_its_queue(added):
    assert permission_pairs(statements_of(added, ADDED.name)) == expected_pairs(added, ADDED)


def test_worker_reading_a_table_without_a_stream_fails_the_synth(synth):
    assert not LISTINGS.stream
    with pytest.raises(InfraError, match=r"table 'listings', which has none: set `stream=True`"):
        synth(STAGE, routes=(), workers=(probe_worker(sources=(LISTINGS,)),))


def test_worker_without_a_source_fails_the_synth(synth):
    with pytest.raises(InfraError, match="no source table"):
        synth(STAGE, routes=(), workers=(probe_worker(sources=()),))


def test_worker_listing_a_source_twice_fails_the_synth(synth):
    with pytest.raises(InfraError, match="'follows' twice"):
        synth(STAGE, routes=(), workers=(probe_worker(sources=(FOLLOWS, FOLLOWS)),))


def test_two_workers_with_one_name_fail_the_synth(synth):
    with pytest.raises(InfraError, match="worker names must be unique"):
        synth(STAGE, routes=(), workers=(probe_worker(), probe_worker(sources=(ARTICLES,))))


def test_worker_named_like_a_route_fails_the_synth(synth):
    route = ROUTES[0]
    with pytest.raises(InfraError, match=f"two functions are named 'conduit-{STAGE}-{route.name}'"):
        synth(STAGE, routes=(route,), workers=(probe_worker(name=route.name),))


def test_worker_whose_handler_module_does_not_exist_fails_the_synth(synth):
    with pytest.raises(InfraError, match=r"handler module 'streams\.nope' not found"):
        synth(STAGE, routes=(), workers=(probe_worker(handler="streams.nope.handler"),))
