"""Use cases for favorites: favoriting and unfavoriting, and (in the stream worker) counting.

A favorite's transaction holds only the caller's own items: the favorite and the caller's
`fav#<user>` entry with its counter. Two users favoriting one article therefore never meet
on an item. The article's `favoritesCount` and the caller's filtered favorites lists follow
from the favorites stream (`count`), in batches (docs/scaling.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from conduit.articles import reading
from conduit.articles import store as articles
from conduit.articles.reading import ArticleView
from conduit.articles.store import Article
from conduit.errors import NotFound
from conduit.favorites import store as favorites
from conduit.favorites.store import Favorite
from conduit.listings import store as listings
from conduit.storage import commit_once


def _own_list_change(caller: str, article: Article, adding: bool) -> listings.Step:
    keys = [listings.favorites_key(caller)]
    if adding:
        step = listings.reference_puts(keys, article.placement)
        return replace(step, stage=lambda tx: favorites.stage_add(tx, caller, article), staged=1)
    step = listings.deletes(keys, article.placement.sk)
    return replace(step, stage=lambda tx: favorites.stage_remove(tx, caller, article.article_id), staged=1)


def favorite(slug: str, caller: str, favorited: bool) -> ArticleView:
    """Favorite or unfavorite; doing what is already done changes nothing and is no error.

    The count shown is the one read just before, plus or minus one if this request changed
    it; everyone else sees it once the stream worker has counted the change."""
    article = articles.get_by_slug(slug)
    if article is None:
        raise NotFound("article")
    step = _own_list_change(caller, article, favorited)
    if commit_once(lambda transaction: listings.stage(transaction, step)):
        article = replace(article, favorites_count=max(0, article.favorites_count + (1 if favorited else -1)))
    return reading.view(article, caller, favorited=favorited)


def count(changes: Iterable[tuple[Favorite, bool]]) -> None:
    """The stream worker: file favorites (`True`) and unfavorites (`False`), in the order they
    happened, into the users' filtered favorites lists and their articles' counts.

    Per article, every change goes into as few transactions as fit, each also adding its net
    change to one of the article's count items; the list entries' conditions make a repeated
    change count nothing (`conduit.listings.store.apply`). The article then shows the sum."""
    final: dict[tuple[str, str], tuple[Favorite, bool]] = {}
    for change, present in changes:
        final[(change.placement.article_id, change.user_id)] = (change, present)
    by_article: dict[str, list[listings.Step]] = {}
    for (article_id, _), (change, present) in final.items():
        keys = listings.filtered_favorites_lists(change.user_id, change.placement.author_id, change.tags)
        placement = change.placement
        step = listings.reference_puts(keys, placement) if present else listings.deletes(keys, placement.sk)
        by_article.setdefault(article_id, []).append(step)
    for article_id, steps in by_article.items():
        if articles.get(article_id) is None:  # deleted: its lists still empty, nothing to count
            listings.apply(steps)
            continue
        listings.apply(steps, stage_net=lambda tx, net, a=article_id: favorites.stage_count(tx, a, net))  # type: ignore[misc]
        total, version = favorites.count(article_id)
        articles.set_favorites_count(article_id, total, version)


def forget(article: Article) -> int:
    """A deleted article leaves its favoriters' lists: each favorite and `fav#<user>` entry
    goes in the favoriter's own transaction (their filtered lists follow from the stream)."""
    steps = [
        _own_list_change(user_id, article, adding=False)
        for user_id in favorites.favoriters(article.article_id)
    ]
    dropped = sum(1 for result in listings.apply(steps) if result)
    favorites.drop_counts(article.article_id)
    return dropped
