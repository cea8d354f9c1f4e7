"""Materialised article lists: the only code that touches the listings table.

Each way of listing articles is one partition (`list`), its entries sorted by
`<createdAt>#<articleId>` and carrying `articleId` and `authorId`, so a page is one Query and
the articles and authors behind it one BatchGetItem round. Each list has a counter item whose
sort key (`~count`) sorts after every entry: a descending Query returns the total first, then
the newest entries, so `articlesCount` and the page come back in one call.

Entries and counters are always written together in the caller's transaction, each entry put
only if absent and deleted only if present, so a counter equals its list's size.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.transactions import TransactWrite

from conduit.errors import ValidationFailed
from conduit.resources import LISTINGS
from conduit.storage import Record, commit_once, table_meta, together

COUNTER_SK = "~count"  # "~" sorts after the digits every entry's sort key starts with
POPULARITY = "tags"  # the one partition of the byPopularity index
_SK = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[A-Za-z0-9-]{1,64}$")


class PopularityIndex(GlobalSecondaryIndex["ListingItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = LISTINGS.index("byPopularity").name
        projection = IncludeProjection(["tag"])

    popularity = UnicodeAttribute(hash_key=True)
    total = NumberAttribute(range_key=True)


class ListingItem(Record):
    """An entry (`articleId`, `authorId`) or a list's counter (`total`, and `tag` for tag lists)."""

    Meta = table_meta(LISTINGS)

    list = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    article_id = UnicodeAttribute(attr_name="articleId", null=True)
    author_id = UnicodeAttribute(attr_name="authorId", null=True)
    total = NumberAttribute(null=True)
    popularity = UnicodeAttribute(null=True)
    tag = UnicodeAttribute(null=True)
    by_popularity = PopularityIndex()


@dataclass(frozen=True)
class Placement:
    """Where an article sits in every list: its creation time orders it."""

    article_id: str
    author_id: str
    created_at: str

    @property
    def sk(self) -> str:
        return f"{self.created_at}#{self.article_id}"


@dataclass(frozen=True)
class Page:
    placements: list[Placement]
    total: int
    next_cursor: str | None


def _tag(tag: str) -> str:
    return quote(tag, safe="")  # a tag may contain '#', the separator of list keys


def filter_key(author_id: str | None = None, tag: str | None = None, favorited_by: str | None = None) -> str:
    """The list holding exactly the articles that match these filters."""
    parts = []
    if favorited_by:
        parts.append(f"fav#{favorited_by}")
    if author_id:
        parts.append(f"author#{author_id}")
    if tag is not None:
        parts.append(f"tag#{_tag(tag)}")
    return "#".join(parts) or "all"


def feed_key(user_id: str) -> str:
    return f"feed#{user_id}"


def article_lists(author_id: str, tags: Iterable[str]) -> list[str]:
    """Every list an article is in from creation: all, its author's, its tags', and each pair."""
    keys = [filter_key(), filter_key(author_id=author_id)]
    for tag in tags:
        keys += [filter_key(tag=tag), filter_key(author_id=author_id, tag=tag)]
    return keys


def favorite_lists(user_id: str, author_id: str, tags: Iterable[str]) -> list[str]:
    """Every list an article joins when `user_id` favorites it."""
    return [f"fav#{user_id}" + ("#" + key if key != "all" else "") for key in article_lists(author_id, tags)]


def _counter_actions(key: str, delta: int) -> list[object]:
    actions: list[object] = [ListingItem.total.add(delta)]
    if key.startswith("tag#"):
        actions += [ListingItem.popularity.set(POPULARITY), ListingItem.tag.set(unquote(key[len("tag#") :]))]
    return actions


def add(transaction: TransactWrite, keys: Sequence[str], placement: Placement) -> None:
    """Put `placement` in each list (only if absent) and count it."""
    for key in keys:
        entry = ListingItem(key, placement.sk, article_id=placement.article_id, author_id=placement.author_id)
        transaction.save(entry, condition=ListingItem.sk.does_not_exist())
        transaction.update(ListingItem(key, COUNTER_SK), actions=_counter_actions(key, 1))  # type: ignore[arg-type]


def remove(transaction: TransactWrite, keys: Sequence[str], placement: Placement) -> None:
    """Take `placement` out of each list (only if present) and uncount it."""
    for key in keys:
        transaction.delete(ListingItem(key, placement.sk), condition=ListingItem.sk.exists())
        transaction.update(ListingItem(key, COUNTER_SK), actions=_counter_actions(key, -1))  # type: ignore[arg-type]


def add_once(keys: Sequence[str], placement: Placement) -> bool:
    """Put `placement` in these lists in its own transaction, idempotently."""
    return commit_once(lambda transaction: add(transaction, keys, placement))


def remove_once(keys: Sequence[str], placement: Placement) -> bool:
    """Take `placement` out of these lists in its own transaction, idempotently."""
    return commit_once(lambda transaction: remove(transaction, keys, placement))


def entries(key: str) -> Iterator[Placement]:
    """Every entry of a list, newest first (for the stream worker, never a request)."""
    for item in ListingItem.query(key, ListingItem.sk < COUNTER_SK, scan_index_forward=False):
        yield _placement(item)


def _placement(item: ListingItem) -> Placement:
    created_at, _, _ = item.sk.partition("#")
    return Placement(str(item.article_id), str(item.author_id), created_at)


def _encode_cursor(sk: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": sk}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        sk = document["after"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise ValidationFailed.on("cursor", "is invalid") from None
    if not isinstance(sk, str) or not _SK.match(sk):
        raise ValidationFailed.on("cursor", "is invalid")
    return sk


def count(key: str) -> int:
    try:
        counter = ListingItem.get(key, COUNTER_SK, attributes_to_get=["total"])
    except ListingItem.DoesNotExist:
        return 0
    return int(counter.total or 0)


def page(key: str, limit: int, offset: int = 0, cursor: str | None = None) -> Page:
    """A page of a list, newest first, with the list's total.

    By offset (the spec's paging): one Query reads the counter, skips `offset` entries and
    reads the page; entries are about 160 bytes, so even deep offsets stay one round trip
    per megabyte skipped (about 6,400 entries). By cursor (our extension): the Query starts
    right after the cursor's entry, whatever its depth, and the counter is read beside it.
    """
    attributes = ["sk", "articleId", "authorId", "total"]
    if cursor is not None:
        after = _decode_cursor(cursor)
        total, items = together(  # the counter beside the Query: one round trip for both
            lambda: count(key),
            lambda: list(
                ListingItem.query(
                    key,
                    ListingItem.sk < after,
                    scan_index_forward=False,
                    limit=limit + 1,
                    attributes_to_get=attributes,
                )
            ),
        )
    else:
        items = list(
            ListingItem.query(
                key, scan_index_forward=False, limit=1 + offset + limit + 1, attributes_to_get=attributes
            )
        )
        total = int(items[0].total or 0) if items and items[0].sk == COUNTER_SK else 0
        items = [item for item in items if item.sk != COUNTER_SK][offset:]
    has_more = len(items) > limit
    placements = [_placement(item) for item in items[:limit]]
    next_cursor = _encode_cursor(placements[-1].sk) if has_more and placements else None
    return Page(placements, total, next_cursor)


def popular_tags(limit: int) -> list[str]:
    """The most used tags, most used first: one Query of the sparse byPopularity index.
    A tag whose last article is gone keeps a zero counter, which sorts last and is dropped."""
    counters = ListingItem.by_popularity.query(POPULARITY, scan_index_forward=False, limit=limit)
    return [str(counter.tag) for counter in counters if (counter.total or 0) > 0]
