"""A reply lost after the write was applied is neither a lost write nor a doubled one.

botocore sends a call again when its reply was lost (a 5xx after the commit, a dropped
connection); the emulator applies the call, then answers a server error or closes the
connection, once, as scripted. Transactions repeat with their ClientRequestToken (which the
emulator honours, as DynamoDB does); every other write must read its own earlier success as done.
"""

from __future__ import annotations

import json

import boto3
import pytest

from conduit import settings
from conduit.listings import store as listings
from conduit.resources import COMMENTS, FAVORITES, FOLLOWS
from local.emulator import Emulator
from local.faults import Kind
from tests.api.conftest import Api
from tests.api.publishing import publish

LOST = (Kind.LOST_REPLY, Kind.DROPPED)


def count(table: str) -> int:
    return int(boto3.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def favorites() -> int:
    """Favorite items (not the articles' favorite count items, which share the table)."""
    items = boto3.client("dynamodb").scan(TableName=settings.table_name(FAVORITES))["Items"]
    return sum(1 for item in items if not item["userId"]["S"].startswith("COUNT#"))


@pytest.fixture
def jake(api: Api) -> str:
    return str(api.register("jake")["token"])


@pytest.mark.parametrize("lost", LOST)
def test_a_published_article_whose_reply_was_lost_is_published_once(
    api: Api, emulator: Emulator, jake: str, lost: Kind
) -> None:
    emulator.script("TransactWriteItems", lost)

    response = api.request(
        "POST", "/api/articles", {"article": {"title": "T", "description": "d", "body": "b"}}, token=jake
    )

    tokens = [c.params["ClientRequestToken"] for c in api.calls.calls if c.operation == "TransactWriteItems"]
    assert response.status_code == 201
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]  # sent again with its token
    listed = api.request("GET", "/api/articles").json
    assert listed["articlesCount"] == len(listed["articles"]) == 1


@pytest.mark.parametrize("lost", LOST)
def test_a_comment_whose_reply_was_lost_is_written_once(
    api: Api, emulator: Emulator, jake: str, lost: Kind
) -> None:
    slug = publish(api, jake)["slug"]
    emulator.script("PutItem", lost)

    response = api.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "Hi"}}, token=jake)

    assert response.status_code == 200
    assert count(settings.table_name(COMMENTS)) == 1


def test_a_comment_id_counted_twice_by_a_lost_reply_skips_a_number_and_is_never_reused(
    api: Api, emulator: Emulator, jake: str
) -> None:
    slug = publish(api, jake)["slug"]
    emulator.script("UpdateItem", None, Kind.LOST_REPLY)  # the comment limit's count, then the ids'

    first = api.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "1"}}, token=jake)
    second = api.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "2"}}, token=jake)

    assert first.json["comment"]["id"] == 2
    assert second.json["comment"]["id"] == 3


@pytest.mark.parametrize("lost", LOST)
def test_deleting_a_comment_whose_reply_was_lost_answers_204(
    api: Api, emulator: Emulator, jake: str, lost: Kind
) -> None:
    slug = publish(api, jake)["slug"]
    api.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "Hi"}}, token=jake)
    emulator.script("DeleteItem", lost)

    response = api.request("DELETE", f"/api/articles/{slug}/comments/1", token=jake)

    assert response.status_code == 204
    assert count(settings.table_name(COMMENTS)) == 0


def test_deleting_an_unknown_comment_is_still_a_404(api: Api, jake: str) -> None:
    slug = publish(api, jake)["slug"]

    assert api.request("DELETE", f"/api/articles/{slug}/comments/1", token=jake).status_code == 404


@pytest.mark.parametrize("lost", LOST)
def test_a_favorite_whose_reply_was_lost_counts_once(
    api: Api, emulator: Emulator, jake: str, lost: Kind
) -> None:
    slug = publish(api, jake)["slug"]
    emulator.script("TransactWriteItems", lost)

    response = api.request("POST", f"/api/articles/{slug}/favorite", token=jake)

    assert response.status_code == 200
    assert response.json["article"]["favoritesCount"] == 1
    assert favorites() == 1
    assert api.request("GET", "/api/articles?favorited=jake").json["articlesCount"] == 1


@pytest.mark.parametrize("lost", LOST)
def test_a_follow_whose_reply_was_lost_is_one_edge(
    api: Api, emulator: Emulator, jake: str, lost: Kind
) -> None:
    api.register("jane")
    emulator.script("PutItem", lost)

    response = api.request("POST", "/api/profiles/jane/follow", token=jake)

    assert response.status_code == 200
    assert response.json["profile"]["following"] is True
    assert count(settings.table_name(FOLLOWS)) == 1


def test_a_transaction_cancelled_for_a_conflict_is_sent_again_with_its_token(
    api: Api, emulator: Emulator, jake: str
) -> None:
    slug = publish(api, jake)["slug"]
    emulator.script("TransactWriteItems", Kind.CONFLICT, Kind.CONFLICT)

    response = api.request("POST", f"/api/articles/{slug}/favorite", token=jake)

    assert response.status_code == 200
    assert response.json["article"]["favoritesCount"] == 1
    sent = [c.params for c in api.calls.calls if c.operation == "TransactWriteItems"]
    assert len(sent) == 3
    assert len({json.dumps(p, sort_keys=True) for p in sent}) == 1  # the same transaction, same token


def test_a_transaction_repeated_with_its_token_within_10_minutes_is_applied_once(api: Api) -> None:
    dynamodb = boto3.client("dynamodb")
    table = settings.table_name(FOLLOWS)
    write = {
        "ClientRequestToken": "t-1",
        "TransactItems": [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"followerId": {"S": "a"}, "followeeId": {"S": "b"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
    }

    dynamodb.transact_write_items(**write)
    dynamodb.transact_write_items(**write)

    item = dynamodb.get_item(TableName=table, Key={"followerId": {"S": "a"}, "followeeId": {"S": "b"}})
    assert item["Item"]["n"] == {"N": "1"}


def test_a_token_sent_again_with_other_items_is_an_idempotent_parameter_mismatch(api: Api) -> None:
    dynamodb = boto3.client("dynamodb")
    table = settings.table_name(FOLLOWS)

    def put(followee: str) -> dict[str, object]:
        item = {"followerId": {"S": "a"}, "followeeId": {"S": followee}}
        return {"ClientRequestToken": "t-2", "TransactItems": [{"Put": {"TableName": table, "Item": item}}]}

    dynamodb.transact_write_items(**put("b"))

    with pytest.raises(dynamodb.exceptions.IdempotentParameterMismatchException):
        dynamodb.transact_write_items(**put("c"))


@pytest.mark.parametrize("lost", LOST)
def test_a_celebrity_mark_whose_reply_was_lost_still_reads_as_made_by_this_call(
    api: Api, emulator: Emulator, lost: Kind
) -> None:
    """Its repeat is refused by the mark's own condition; read as "already a celebrity", the
    crossing would stop before flagging the author's pushed followers for conversion."""
    emulator.script("UpdateItem", lost)

    marked = listings.mark_celebrity("jake-id")

    assert marked is True
    assert listings.stats("jake-id").celebrity is True
    assert listings.mark_celebrity("jake-id") is False  # marked before, by another call
