"""Data access for favorites: the only code that touches the favorites table.

A favorite is one item per (user, article), in the user's partition, carrying what the
stream worker needs to file it (the article's author, tags and creation time). An article's
favorites are counted in `SHARDING.favorite_counts` count items (`COUNT#<articleId>` /
`<shard>`), which only the worker writes, in the same transaction as the favorites lists it
applies (see `conduit.favorites.service`). `byArticle` (keys `<articleId>#<shard>`) finds an
article's favoriters after it is deleted, spread over `SHARDING.favoriters` index partitions.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.transactions import TransactGet, TransactWrite

from conduit.cards import Card, Placement
from conduit.clock import now_iso
from conduit.resources import FAVORITES, SHARDING, shard_of
from conduit.storage import Record, found, table_meta

_COUNT = "COUNT#"


class ByArticle(GlobalSecondaryIndex["FavoriteRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = FAVORITES.index("byArticle").name
        projection = KeysOnlyProjection()

    favoriters = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True, attr_name="userId")


class FavoriteRecord(Record):
    """A favorite, or one of an article's count items (`total`, `v`)."""

    Meta = table_meta(FAVORITES)

    user_id = UnicodeAttribute(hash_key=True, attr_name="userId")
    article_id = UnicodeAttribute(range_key=True, attr_name="articleId")
    created_at = UnicodeAttribute(attr_name="createdAt", null=True)
    author_id = UnicodeAttribute(attr_name="authorId", null=True)
    article_created_at = UnicodeAttribute(attr_name="articleCreatedAt", null=True)
    tag_list = ListAttribute(of=UnicodeAttribute, attr_name="tagList", null=True)
    favoriters = UnicodeAttribute(null=True)
    total = NumberAttribute(null=True)
    v = NumberAttribute(null=True)
    by_article = ByArticle()


@dataclass(frozen=True)
class Favorite:
    """A user's favorite, with where its article sits in lists and its tags."""

    user_id: str
    placement: Placement
    tags: tuple[str, ...]


def _favoriters_key(article_id: str, user_id: str) -> str:
    return f"{article_id}#{shard_of(user_id, SHARDING.favoriters)}"


def favorite_record(user_id: str, article: Card) -> FavoriteRecord:
    return FavoriteRecord(
        user_id,
        article.article_id,
        created_at=now_iso(),
        author_id=article.author_id,
        article_created_at=article.created_at,
        tag_list=list(article.tags),
        favoriters=_favoriters_key(article.article_id, user_id),
    )


def favorite_of(image: Mapping[str, Any]) -> Favorite | None:
    """The favorite a stream image shows; None for a count item."""
    user_id = str(image["userId"])
    if user_id.startswith(_COUNT):
        return None
    placement = Placement(str(image["articleId"]), str(image["authorId"]), str(image["articleCreatedAt"]))
    return Favorite(user_id, placement, tuple(str(tag) for tag in image.get("tagList") or ()))


def of_user(user_id: str, limit: int) -> list[Favorite]:
    """A user's first `limit` favorites (one consistent Query; for deleting their account, which
    takes them page by page, each page gone before the next is read)."""
    records = FavoriteRecord.query(user_id, limit=limit, consistent_read=True)
    return [
        Favorite(
            r.user_id,
            Placement(r.article_id, str(r.author_id), str(r.article_created_at)),
            tuple(str(tag) for tag in r.tag_list or ()),
        )
        for r in records
    ]


def is_favorited(user_id: str, article_id: str) -> bool:
    try:
        FavoriteRecord.get(user_id, article_id, attributes_to_get=["userId"], consistent_read=True)
    except FavoriteRecord.DoesNotExist:
        return False
    return True


def favorited(user_id: str, article_ids: Iterable[str]) -> set[str]:
    """Which of these articles the user has favorited (one BatchGetItem)."""
    keys = [(user_id, article_id) for article_id in dict.fromkeys(article_ids)]
    if not keys:
        return set()
    found = FavoriteRecord.batch_get(keys, attributes_to_get=["userId", "articleId"], consistent_read=True)
    return {f.article_id for f in found}


def existing(keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (user, article) favorites exist now (one consistent BatchGetItem: the stream
    worker files favorites as their source says, not as a record said)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return set()
    found = FavoriteRecord.batch_get(wanted, consistent_read=True, attributes_to_get=["userId", "articleId"])
    return {(f.user_id, f.article_id) for f in found}


def stage_add(transaction: TransactWrite, user_id: str, article: Card) -> None:
    """Stage the favorite, put only if absent: a repeat finds it and cancels its transaction."""
    transaction.save(favorite_record(user_id, article), condition=FavoriteRecord.user_id.does_not_exist())


def stage_remove(transaction: TransactWrite, user_id: str, article_id: str) -> None:
    """Stage the favorite's removal, only if present: a repeat finds nothing and cancels."""
    favorite = FavoriteRecord(user_id, article_id)
    transaction.delete(favorite, condition=FavoriteRecord.user_id.exists())


def remove(user_id: str, article_id: str) -> None:
    """Delete a favorite by itself (an account's deletion, when its `fav#` entry was not as
    written with it); deleting one already gone is deleting it."""
    FavoriteRecord(user_id, article_id).delete()


def favoriters(article_id: str) -> Iterator[str]:
    """Everyone who favorited an article (every `byArticle` shard; for clean-up, not requests)."""
    for shard in range(SHARDING.favoriters):
        for favorite in FavoriteRecord.by_article.query(f"{article_id}#{shard}"):
            yield favorite.user_id


def stage_count(transaction: TransactWrite, article_id: str, delta: int) -> None:
    """Add `delta` to one of the article's count items, picked at random so that concurrent
    worker batches rarely meet on one. Only ever staged beside the list entries the delta
    counts, whose conditions make it exactly-once (see `conduit.listings.store.apply`)."""
    shard = random.randrange(SHARDING.favorite_counts)
    item = FavoriteRecord(_COUNT + article_id, str(shard))
    transaction.update(item, actions=[FavoriteRecord.total.add(delta), FavoriteRecord.v.add(1)])


def count(article_id: str) -> tuple[int, int]:
    """An article's favorites, and the sum of its count items' update counts (which only
    grows: it orders counts taken at different moments). One consistent Query."""
    items = list(FavoriteRecord.query(_COUNT + article_id, consistent_read=True))
    return sum(int(i.total or 0) for i in items), sum(int(i.v or 0) for i in items)


def read_count(transaction: TransactGet, article_id: str) -> Callable[[], int]:
    """Add the reads of an article's count items to a snapshot (`conduit.storage.snapshot`);
    returns what gives their sum once it is read."""
    futures = [
        transaction.get(FavoriteRecord, _COUNT + article_id, str(shard))
        for shard in range(SHARDING.favorite_counts)
    ]
    return lambda: sum(int(item.total or 0) for item in found(futures))


def drop_counts(article_id: str) -> None:
    """Delete a deleted article's count items."""
    with FavoriteRecord.batch_write() as batch:
        for item in FavoriteRecord.query(_COUNT + article_id, attributes_to_get=["userId", "articleId"]):
            batch.delete(item)
