"""Turning listed articles into what a response shows, in a constant number of round trips.

A page of a card list (author, tag, all, feed) is its Query (one per partition, side by
side), nothing per article: the entries carry the cards. The viewer's flags come from ranges,
not keys: the favorited flags from one Query of the viewer's matching favorites list between
the page's first and last entries, the following flags from the viewer's follow edges, read
beside the page (up to 100; a viewer following more gets the page's other authors looked up
by key). A page of a favorites list (references) reads its article items in one
`BatchGetItem`. A single article reads its body and the viewer's two flags side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conduit.articles import store as articles
from conduit.articles.paging import Paging
from conduit.articles.store import Article
from conduit.cards import Card
from conduit.errors import NotFound
from conduit.favorites import store as favorites
from conduit.listings import store as listings
from conduit.listings.store import Merge, Page
from conduit.profiles import store as follows
from conduit.storage import run_rounds, together


@dataclass(frozen=True)
class ArticleView:
    article: Card
    favorited: bool
    following: bool
    body: str | None = None


@dataclass(frozen=True)
class Flags:
    """How the viewer's flags on a page are read. `favorites` is the viewer's favorites list
    whose entries in the page's range include the favorited ones (exactly them on an `all`
    page); `all_favorited`: every listed article is the viewer's favorite; `followed`: every
    author is one the viewer follows (a feed)."""

    viewer: str | None
    favorites: str | None = None
    all_favorited: bool = False
    followed: bool = False


@dataclass
class _Reading:
    merge: Merge
    flags: Flags
    cards: dict[str, Card] = field(default_factory=dict)
    favorited: set[str] = field(default_factory=set)
    favorites_complete: bool = True
    followees: set[str] = field(default_factory=set)
    followees_complete: bool = True
    looked_up: set[str] = field(default_factory=set)


def page(
    keys: Sequence[str],
    paging: Paging,
    flags: Flags,
    head: int = 1,
    extend: Callable[[Merge], list[Callable[[], None]]] | None = None,
) -> tuple[list[ArticleView], Page]:
    """A page of the lists `keys` (one, or a site-wide list's shards) as the viewer sees it.
    `extend`, run once after round one, may add partitions to the merge (a feed's pulled
    celebrities) and returns the calls reading them."""
    merge = Merge(paging.limit, paging.offset, paging.cursor, head=head)
    reading = _Reading(merge, flags)
    viewer = flags.viewer
    first = merge.add(keys)
    if viewer and not flags.followed:
        first.append(lambda: _read_followees(reading, viewer))
    state = {"round": 0}

    def rounds() -> list[Callable[[], Any]]:
        state["round"] += 1
        if state["round"] == 1:
            return first
        calls: list[Callable[[], Any]] = []
        extended: list[Callable[[], None]] = []
        if state["round"] == 2:
            if extend is not None:
                extended = extend(merge)
            if viewer and flags.favorites and not flags.all_favorited:
                low, high = merge.span()
                key = flags.favorites
                calls.append(lambda: _read_favorited(reading, key, low, high))
        more = merge.more_calls()
        calls += extended + more
        if not extended and not more:  # the page is final: what only keys can tell
            calls += _lookups(reading)
        return calls

    run_rounds(rounds)
    result = merge.page()
    return _views(reading, result), result


def _read_followees(reading: _Reading, viewer: str) -> None:
    reading.followees, reading.followees_complete = follows.followees(viewer)


def _read_favorited(reading: _Reading, key: str, low: str, high: str) -> None:
    reading.favorited, reading.favorites_complete = listings.members_between(key, low, high)


def _lookups(reading: _Reading) -> list[Callable[[], Any]]:
    """What only keys can tell once the page is final: the cards of a favorites list's
    articles, and the flags the ranges did not cover. Each is looked up once."""
    entries = reading.merge.page().entries
    viewer = reading.flags.viewer
    calls: list[Callable[[], Any]] = []
    missing_cards = [e.placement.article_id for e in entries if e.card is None]
    missing_cards = [i for i in missing_cards if i not in reading.looked_up]
    if missing_cards:
        reading.looked_up.update(missing_cards)
        calls.append(lambda: reading.cards.update(articles.get_many(missing_cards)))
    if viewer and not reading.favorites_complete:
        unknown = [e.placement.article_id for e in entries if e.placement.article_id not in reading.favorited]
        reading.favorites_complete = True
        if unknown:
            calls.append(lambda: reading.favorited.update(favorites.favorited(viewer, unknown)))
    if viewer and not reading.followees_complete:
        authors = {e.placement.author_id for e in entries} - reading.followees - {viewer}
        reading.followees_complete = True
        if authors:
            calls.append(lambda: reading.followees.update(follows.followed_among(viewer, authors)))
    return calls


def _views(reading: _Reading, result: Page) -> list[ArticleView]:
    flags = reading.flags
    views = []
    for entry in result.entries:
        card = entry.card or reading.cards.get(entry.placement.article_id)
        if card is None:
            continue  # a favorite of an article deleted a moment ago: the worker removes it
        favorited = flags.all_favorited or card.article_id in reading.favorited
        following = flags.followed or card.author_id in reading.followees
        if card.author_id == flags.viewer:
            following = False  # one cannot follow oneself
        views.append(ArticleView(card, bool(flags.viewer) and favorited, bool(flags.viewer) and following))
    return views


def view(article: Article, viewer: str | None, favorited: bool | None = None) -> ArticleView:
    """One article, already read, as the viewer sees it, with its body: read beside the
    viewer's flags unless the article already carries it (`favorited` when already known)."""
    calls: list[Callable[[], Any]] = []
    if article.body is None:
        calls.append(lambda: articles.body_of(article.article_id))
    else:
        calls.append(lambda: article.body)
    own = viewer is None or viewer == article.author_id
    calls.append(lambda: False if own else follows.is_following(str(viewer), article.author_id))
    if favorited is None:
        calls.append(lambda: viewer is not None and favorites.is_favorited(viewer, article.article_id))
    else:
        calls.append(lambda: favorited)
    body, following, is_favorited = together(*calls)
    if body is None:
        raise NotFound("article")  # deleted since it was read
    return ArticleView(replace(article, body=body), bool(is_favorited), bool(following), body=body)
