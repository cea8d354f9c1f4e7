"""Data access for favorites: the only code that touches the favorites table.

Favoriting writes the favorite, the article's `favoritesCount` and the article's place in the
user's favorites lists in one transaction; the favorite is put only if absent (and deleted
only if present), so however many requests race, the count equals the favorites that exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.transactions import TransactWrite

from conduit.articles.store import Article, ArticleRecord, article_key
from conduit.clock import now_iso
from conduit.listings import store as listings
from conduit.listings.store import Placement
from conduit.resources import FAVORITES
from conduit.storage import Record, commit_once, table_meta


class ByArticle(GlobalSecondaryIndex["FavoriteRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = FAVORITES.index("byArticle").name
        projection = KeysOnlyProjection()

    article_id = UnicodeAttribute(hash_key=True, attr_name="articleId")
    user_id = UnicodeAttribute(range_key=True, attr_name="userId")


class FavoriteRecord(Record):
    Meta = table_meta(FAVORITES)

    user_id = UnicodeAttribute(hash_key=True, attr_name="userId")
    article_id = UnicodeAttribute(range_key=True, attr_name="articleId")
    created_at = UnicodeAttribute(attr_name="createdAt")
    by_article = ByArticle()


def favorited(user_id: str, article_ids: Iterable[str]) -> set[str]:
    """Which of these articles the user has favorited (one BatchGetItem)."""
    keys = [(user_id, article_id) for article_id in dict.fromkeys(article_ids)]
    if not keys:
        return set()
    return {f.article_id for f in FavoriteRecord.batch_get(keys, attributes_to_get=["userId", "articleId"])}


def _write(user_id: str, article: Article, adding: bool) -> bool:
    """Apply one favorite or unfavorite; False when there was nothing to do (already done, or
    the article is gone: the caller re-reads)."""
    keys = listings.favorite_lists(user_id, article.author_id, article.tags)
    counter = ArticleRecord(pk=article_key(article.article_id))

    def write(transaction: TransactWrite) -> None:
        if adding:
            favorite = FavoriteRecord(user_id, article.article_id, created_at=now_iso())
            transaction.save(favorite, condition=FavoriteRecord.user_id.does_not_exist())
            listings.add(transaction, keys, article.placement)
        else:
            present = FavoriteRecord.user_id.exists()
            transaction.delete(FavoriteRecord(user_id, article.article_id), condition=present)
            listings.remove(transaction, keys, article.placement)
        transaction.update(
            counter,
            actions=[ArticleRecord.favorites_count.add(1 if adding else -1)],
            condition=ArticleRecord.pk.exists(),
        )

    return commit_once(write)


def add(user_id: str, article: Article) -> bool:
    return _write(user_id, article, adding=True)


def remove(user_id: str, article: Article) -> bool:
    return _write(user_id, article, adding=False)


def favoriters(article_id: str) -> Iterator[str]:
    """Everyone who favorited an article (the byArticle index; for clean-up, not requests)."""
    for favorite in FavoriteRecord.by_article.query(article_id):
        yield favorite.user_id


def forget(user_id: str, placement: Placement, tags: tuple[str, ...]) -> bool:
    """Drop a deleted article's favorite with its entries in the user's favorites lists."""

    def write(transaction: TransactWrite) -> None:
        favorite = FavoriteRecord(user_id, placement.article_id)
        transaction.delete(favorite, condition=FavoriteRecord.user_id.exists())
        listings.remove(transaction, listings.favorite_lists(user_id, placement.author_id, tags), placement)

    return commit_once(write)
