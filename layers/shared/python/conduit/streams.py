"""Routes each stream record to the use case it triggers. The worker function and the local
stack's stream pump both call `handle`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from conduit import settings
from conduit.articles.store import is_article_key
from conduit.feeds import service as feeds
from conduit.listings.store import Placement
from conduit.resources import ARTICLES, FOLLOWS


def _table_of(record: DynamoDBRecord) -> str:
    # arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>
    return (record.event_source_arn or "").split(":table/", 1)[-1].split("/", 1)[0]


def _article(image: dict[str, Any]) -> tuple[Placement, tuple[str, ...]]:
    placement = Placement(str(image["articleId"]), str(image["authorId"]), str(image["createdAt"]))
    return placement, tuple(str(tag) for tag in image.get("tagList") or ())


def handle(record: DynamoDBRecord) -> None:
    table = _table_of(record)
    change = record.dynamodb
    if change is None:
        return
    event = record.event_name.name if record.event_name else ""
    if table == settings.table_name(ARTICLES):
        keys = change.keys or {}
        if not is_article_key(str(keys.get("pk", ""))):
            return  # slug claims and bodies: feeds, favorites and comments follow the article item
        if event == "INSERT" and change.new_image:
            feeds.fan_out(_article(change.new_image)[0])
        elif event == "REMOVE" and change.old_image:
            feeds.clean_up_article(*_article(change.old_image))
    elif table == settings.table_name(FOLLOWS):
        image = change.new_image if event == "INSERT" else change.old_image
        if not image:
            return
        follower, followee = str(image["followerId"]), str(image["followeeId"])
        if event == "INSERT":
            feeds.back_fill(follower, followee)
        elif event == "REMOVE":
            feeds.withdraw(follower, followee)
