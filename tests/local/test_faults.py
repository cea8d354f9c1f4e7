"""The fault layer of the local emulator: production weather, from a seed (`local.faults`).

Calls here go straight to the emulator with botocore's retries off, so each answer is the
fault itself, as a function's first attempt would meet it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.request import Request, urlopen

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from conduit import settings
from conduit.resources import ARTICLES, LISTINGS, USERS
from local.emulator import WEATHER_PATH, CallLog, Emulator
from local.faults import Kind

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def dynamodb(aws: CallLog) -> Any:
    return boto3.client("dynamodb", config=NO_RETRIES)


@pytest.fixture
def storm(emulator: Emulator) -> Iterator[Emulator]:
    emulator.start_weather(1.0, seed=7)
    yield emulator
    emulator.heal()


def put(dynamodb: Any, key: str) -> None:
    dynamodb.put_item(TableName=settings.table_name(USERS), Item={"pk": {"S": key}})


def stored(dynamodb: Any) -> set[str]:
    return {i["pk"]["S"] for i in dynamodb.scan(TableName=settings.table_name(USERS))["Items"]}


def faults_met(dynamodb: Any, calls: int) -> list[tuple[str, int]]:
    met = []
    for n in range(calls):
        try:
            put(dynamodb, f"k{n}")
            met.append(("ok", 200))
        except ConnectionClosedError:
            met.append(("dropped", 0))
        except ClientError as error:
            met.append(
                (error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"])
            )
    return met


def test_a_fault_rate_of_one_fails_every_data_plane_call_as_aws_would(dynamodb: Any, storm: Emulator) -> None:
    met = set(faults_met(dynamodb, 60))

    assert met == {
        ("ProvisionedThroughputExceededException", 400),
        ("ThrottlingException", 400),
        ("RequestLimitExceeded", 400),
        ("InternalServerError", 500),
        ("ServiceUnavailableException", 503),
        ("dropped", 0),
    }


def test_a_lost_reply_was_applied_and_a_refused_call_was_not(dynamodb: Any, emulator: Emulator) -> None:
    emulator.script("PutItem", Kind.LOST_REPLY, Kind.DROPPED, Kind.THROTTLED, Kind.SERVER_ERROR)

    met = faults_met(dynamodb, 4)

    assert [status for _, status in met] == [500, 0, 400, 500]
    assert stored(dynamodb) == {"k0", "k1"}


def test_control_plane_calls_never_fail(dynamodb: Any, storm: Emulator) -> None:
    for _ in range(20):
        dynamodb.describe_table(TableName=settings.table_name(USERS))
        dynamodb.list_tables()


def test_the_same_seed_makes_the_same_weather(dynamodb: Any, emulator: Emulator) -> None:
    emulator.start_weather(0.5, seed=3)
    first = faults_met(dynamodb, 30)
    emulator.start_weather(0.5, seed=3)

    assert faults_met(dynamodb, 30) == first


def test_a_transaction_conflict_names_the_item_in_its_cancellation_reasons(
    dynamodb: Any, emulator: Emulator
) -> None:
    emulator.script("TransactWriteItems", Kind.CONFLICT)
    items = [{"Put": {"TableName": settings.table_name(USERS), "Item": {"pk": {"S": k}}}} for k in "ab"]

    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=items)

    reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
    assert sorted(reasons) == ["None", "TransactionConflict"]
    assert stored(dynamodb) == set()


def test_the_weather_can_be_read_and_calmed_over_http(emulator: Emulator, aws: CallLog) -> None:
    emulator.start_weather(0.3, seed=5)
    url = emulator.endpoint_url + WEATHER_PATH

    calm = Request(url, data=json.dumps({"rate": 0}).encode(), method="POST")
    with urlopen(calm, timeout=5) as answer:
        state = json.load(answer)

    assert state == {"rate": 0, "seed": None, "injected": {}}


def test_a_failed_transaction_leaves_the_table_stream_readable(dynamodb: Any, aws: CallLog) -> None:
    """moto replaces a table when it rolls a transaction back; open stream iterators must still
    see what comes after (local.moto_speedups)."""
    table = settings.table_name(ARTICLES)
    streams = boto3.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    failing = [
        {
            "Put": {
                "TableName": table,
                "Item": {"pk": {"S": "before"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {"Put": {"TableName": table, "Item": {"pk": {"S": "never"}}}},
    ]
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=failing)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "after"}})

    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]

    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["before", "after"]


def test_a_failed_transaction_leaves_every_item_of_its_partitions_as_it_was(
    dynamodb: Any, aws: CallLog
) -> None:
    """The rollback copies only the partitions a transaction is in (local.moto_speedups): an
    item it changed, an item it added beside others, and their neighbours all come back."""
    table = settings.table_name(LISTINGS)
    for sk in ("a", "b"):
        dynamodb.put_item(TableName=table, Item={"list": {"S": "list"}, "sk": {"S": sk}, "n": {"N": "1"}})
    failing = [
        {
            "Update": {
                "TableName": table,
                "Key": {"list": {"S": "list"}, "sk": {"S": "a"}},
                "UpdateExpression": "SET n = :two",
                "ExpressionAttributeValues": {":two": {"N": "2"}},
            }
        },
        {"Put": {"TableName": table, "Item": {"list": {"S": "list"}, "sk": {"S": "c"}}}},
        {
            "Put": {
                "TableName": table,
                "Item": {"list": {"S": "list"}, "sk": {"S": "b"}},
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        },
    ]
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=failing)

    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="#l = :pk",
        ExpressionAttributeNames={"#l": "list"},
        ExpressionAttributeValues={":pk": {"S": "list"}},
    )["Items"]
    assert [(i["sk"]["S"], i["n"]["N"]) for i in items] == [("a", "1"), ("b", "1")]
