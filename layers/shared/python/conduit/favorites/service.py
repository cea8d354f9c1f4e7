"""Use cases for favorites: favoriting and unfavoriting, and (in the stream worker) counting.

A favorite's transaction holds only the caller's own items: the favorite and the caller's
`fav#<user>` entry with its counter. Two users favoriting one article therefore never meet
on an item. The article's `favoritesCount` and the caller's filtered favorites lists follow
from the favorites stream (`count`), in batches (docs/scaling.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pynamodb.transactions import TransactWrite

from conduit import mentions
from conduit.articles import reading
from conduit.articles import store as articles
from conduit.articles.reading import ArticleView
from conduit.articles.store import Article
from conduit.errors import NotFound
from conduit.favorites import store as favorites
from conduit.favorites.store import Favorite
from conduit.listings import pending as mine
from conduit.listings import store as listings
from conduit.storage import commit_once


def _own_list_change(caller: str, article: Article, adding: bool, pending: bool = True) -> listings.Step:
    """The favorite (or its removal) with the caller's `fav#<user>` entry, and, for the caller's
    own request (`pending`), the record of it that their reads correct what lags by."""
    keys = [listings.favorites_key(caller)]

    def stage(transaction: TransactWrite) -> None:
        if adding:
            favorites.stage_add(transaction, caller, article)
        else:
            favorites.stage_remove(transaction, caller, article.article_id)
        if pending:
            mine.stage_favorite(transaction, caller, article, adding)

    step = (
        listings.reference_puts(keys, article.placement)
        if adding
        else listings.deletes(keys, article.placement.sk)
    )
    return replace(step, stage=stage, staged=2 if pending else 1)


def unfavorite_step(user_id: str, article: Article) -> listings.Step:
    """An unfavorite as the user's own request stages it (their account's deletion takes their
    favorites back this way, so the worker counts each as it counts an unfavorite)."""
    return _own_list_change(user_id, article, adding=False)


def favorite(slug: str, caller: str, favorited: bool) -> ArticleView:
    """Favorite or unfavorite; doing what is already done changes nothing and is no error.

    The count shown is read from its source with the caller's change in it, counted by the
    worker or not (`reading.favorites_count`); everyone else sees it once the worker has."""
    article = articles.get_by_slug(slug)
    if article is None:
        raise NotFound("article")
    step = _own_list_change(caller, article, favorited)
    commit_once(lambda transaction: listings.stage(transaction, step))  # False: nothing to change
    mentions.mention(article.author_id)  # the answer shows the author's card
    return reading.view(article, caller, favorited=favorited)


def count(changes: Iterable[Favorite]) -> list[tuple[Favorite, bool, Article | None]]:
    """The stream worker: file the favorites these records are about into their users'
    filtered favorites lists and their articles' counts, each as its source says *now*.

    The favorite item is read again (one consistent BatchGetItem for the batch) and applied as
    it is: there (entries put if absent) or gone (deleted if present). So a record replayed
    after later ones, repeated, or of a write that never committed cannot put back what is
    gone or count twice: the entries' conditions make each change count once, in the
    transaction that adds the net change to one of the article's count items
    (`conduit.listings.store.apply`); the article then shows the sum. Returns each favorite
    with its state and its article as stored (None if deleted), for the card copies."""
    latest: dict[tuple[str, str], Favorite] = {}
    for change in changes:
        latest[(change.placement.article_id, change.user_id)] = change
    there = favorites.existing([(user, article) for article, user in latest])
    by_article: dict[str, list[listings.Step]] = {}
    states: dict[str, list[tuple[Favorite, bool]]] = {}
    for (article_id, user_id), change in latest.items():
        present = (user_id, article_id) in there
        keys = listings.filtered_favorites_lists(change.user_id, change.placement.author_id, change.tags)
        placement = change.placement
        step = listings.reference_puts(keys, placement) if present else listings.deletes(keys, placement.sk)
        by_article.setdefault(article_id, []).append(step)
        states.setdefault(article_id, []).append((change, present))
    applied: list[tuple[Favorite, bool, Article | None]] = []
    for article_id, steps in by_article.items():
        stored: Article | None = None
        if articles.get(article_id) is None:  # deleted: its lists still empty, nothing to count
            listings.apply(steps)
        else:
            listings.apply(steps, stage_net=lambda tx, net, a=article_id: favorites.stage_count(tx, a, net))  # type: ignore[misc]
            total, version = favorites.count(article_id)
            stored = articles.set_favorites_count(article_id, total, version)
        applied += [(change, present, stored) for change, present in states[article_id]]
    return applied


def forget(article: Article) -> int:
    """A deleted article leaves its favoriters' lists: each favorite and `fav#<user>` entry
    goes in the favoriter's own transaction (their filtered lists follow from the stream)."""
    steps = [
        _own_list_change(user_id, article, adding=False, pending=False)
        for user_id in favorites.favoriters(article.article_id)
    ]
    dropped = sum(1 for result in listings.apply(steps) if result)
    favorites.drop_counts(article.article_id)
    return dropped
