"""Routes a batch of stream records to the work it triggers. The worker function and the
local stack's stream pump both call `handle_batch`.

A batch comes from one shard of one table's stream, in the order the changes happened. Work
that concerns one record (a fan-out, a clean-up, a card to copy) is done record by record;
work that many records share (the site-wide lists, an article's favorites count) is done
once for the batch, which is what keeps those shared items cool. Every step is idempotent,
so the failures reported (the first failing record and everything after it, which Lambda
retries from) may redo work already done without changing its result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from conduit import settings
from conduit.articles.store import EDITED_ATTRIBUTES, Article, article_of, is_article_key
from conduit.favorites import service as favoriting
from conduit.favorites.store import Favorite, favorite_of
from conduit.feeds import service as feeds
from conduit.observability import logger
from conduit.profiles.store import edge_of
from conduit.resources import ARTICLES, FAVORITES, FOLLOWS, USERS
from conduit.users import deletion
from conduit.users.store import author_of

_CARD_OF_PROFILE = ("username", "bio", "image")


def _table_of(record: DynamoDBRecord) -> str:
    # arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>
    return (record.event_source_arn or "").split(":table/", 1)[-1].split("/", 1)[0]


def _event(record: DynamoDBRecord) -> str:
    return record.event_name.name if record.event_name else ""


def _images(record: DynamoDBRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    change = record.dynamodb
    if change is None:
        return {}, {}
    return dict(change.old_image or {}), dict(change.new_image or {})


def _changed(old: dict[str, Any], new: dict[str, Any], names: Sequence[str]) -> bool:
    return any(old.get(name) != new.get(name) for name in names)


def _each(records: Sequence[DynamoDBRecord], work: Callable[[DynamoDBRecord], None]) -> int | None:
    """Do `work` record by record; the index of the first that failed, if one did."""
    for index, record in enumerate(records):
        try:
            work(record)
        except Exception:
            logger.exception("stream record failed", extra={"event_id": record.event_id})
            return index
    return None


# --- articles ----------------------------------------------------------------------------


def _article_record(record: DynamoDBRecord) -> None:
    old, new = _images(record)
    if not is_article_key(str((new or old).get("pk", ""))):
        return  # slug claims and bodies: lists and feeds follow the article item
    event = _event(record)
    if event == "INSERT":
        feeds.fan_out(article_of(new))
        feeds.article_carried(article_of(new), present=True)
    elif event == "MODIFY" and _changed(old, new, EDITED_ATTRIBUTES):
        feeds.copy_card(article_of(new))
        feeds.article_carried(article_of(new), present=True)
    elif event == "REMOVE":
        feeds.clean_up_article(article_of(old))
        feeds.article_carried(article_of(old), present=False)


def _articles(records: Sequence[DynamoDBRecord]) -> int | None:
    """The batch's new and deleted articles are filed first (site-wide lists, tags), so by the
    time an article reaches a feed its tags count it; then each record's own work."""
    final: dict[str, tuple[Article, bool]] = {}
    first: int | None = None
    for index, record in enumerate(records):
        old, new = _images(record)
        if not is_article_key(str((new or old).get("pk", ""))):
            continue
        event = _event(record)
        article = article_of(new or old)
        if event in ("INSERT", "REMOVE"):
            final[article.article_id] = (article, event == "INSERT")
            first = index if first is None else first
        elif event == "MODIFY" and article.article_id in final:
            final[article.article_id] = (article, final[article.article_id][1])
    failed: int | None = None
    if final:
        try:
            feeds.file_articles(list(final.values()))
        except Exception:
            logger.exception("filing articles failed")
            failed = first
    done = records[:failed] if failed is not None else records
    failed_record = _each(done, _article_record)
    return failed_record if failed_record is not None else failed


# --- follows -----------------------------------------------------------------------------


def _follow_record(record: DynamoDBRecord) -> None:
    old, new = _images(record)
    event = _event(record)
    if event == "INSERT":
        edge = edge_of(new)
        feeds.followed(edge.follower_id, edge.followee_id)
    elif event == "REMOVE":
        edge = edge_of(old)
        feeds.unfollowed(edge.follower_id, edge.followee_id, pushed=edge.pushed)
    elif event == "MODIFY" and new:
        edge = edge_of(new)
        if edge.converting and edge.pushed:
            feeds.convert(edge.follower_id, edge.followee_id)


def _follows(records: Sequence[DynamoDBRecord]) -> int | None:
    return _each(records, _follow_record)


# --- favorites ---------------------------------------------------------------------------


def _favorites(records: Sequence[DynamoDBRecord]) -> int | None:
    """Per article, the favorites the records are about are counted (as their source says now),
    then the article's card is copied and the favoriters' pending changes cleared."""
    by_article: dict[str, list[tuple[int, Favorite]]] = {}
    for index, record in enumerate(records):
        event = _event(record)
        if event not in ("INSERT", "REMOVE"):
            continue
        old, new = _images(record)
        favorite = favorite_of(new if event == "INSERT" else old)
        if favorite is not None:
            by_article.setdefault(favorite.placement.article_id, []).append((index, favorite))
    failed: int | None = None
    for changes in by_article.values():
        try:
            feeds.favorites_counted(favoriting.count([favorite for _, favorite in changes]))
        except Exception:
            logger.exception("counting favorites failed")
            earliest = changes[0][0]
            failed = earliest if failed is None else min(failed, earliest)
    return failed


# --- users -------------------------------------------------------------------------------


def _user_record(record: DynamoDBRecord) -> None:
    old, new = _images(record)
    if _event(record) == "MODIFY" and _changed(old, new, _CARD_OF_PROFILE):
        card = author_of(new)
        if card is not None:
            feeds.profile_changed(card)


def _users(records: Sequence[DynamoDBRecord]) -> int | None:
    """Profile changes record by record; and each account deletion the records are about is
    taken on once for the batch (its record's every write is a stream record: the step reads
    the record as it is now, `conduit.users.deletion`)."""
    deletions: dict[str, int] = {}
    for index, record in enumerate(records):
        pk = str(_images(record)[1].get("pk", ""))
        if _event(record) in ("INSERT", "MODIFY") and deletion.is_deletion_key(pk):
            deletions.setdefault(deletion.user_of(pk), index)
    failed = _each(records, _user_record)
    for user_id, first in deletions.items():
        try:
            deletion.proceed(user_id)
        except Exception:
            logger.exception("account deletion step failed", extra={"user_id": user_id})
            failed = first if failed is None else min(failed, first)
    return failed


def handle_batch(records: Sequence[DynamoDBRecord]) -> list[DynamoDBRecord]:
    """Apply a batch; returns the records to retry (the first failure and all after it)."""
    if not records:
        return []
    table = _table_of(records[0])
    handlers: dict[str, Callable[[Sequence[DynamoDBRecord]], int | None]] = {
        settings.table_name(ARTICLES): _articles,
        settings.table_name(FOLLOWS): _follows,
        settings.table_name(FAVORITES): _favorites,
        settings.table_name(USERS): _users,
    }
    handler = handlers.get(table)
    failed = handler(records) if handler is not None else None
    return list(records[failed:]) if failed is not None else []
