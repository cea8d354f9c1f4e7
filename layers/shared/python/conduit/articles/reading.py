"""Turning listed articles into what a response shows, in a constant number of round trips.

A page of a card list (author, tag, all, feed) is its Query (one per partition, side by
side), nothing per article: the entries carry the cards. The viewer's flags come from ranges,
not keys: the favorited flags from one Query of the viewer's matching favorites list between
the page's first and last entries, the following flags from the viewer's follow edges, read
beside the page (up to 100; a viewer following more gets the page's other authors looked up
by key). A page of a favorites list (references) reads its article items in one
`BatchGetItem`. A single article reads its body and the viewer's two flags side by side.

A viewer with a token also reads their own pending changes (`conduit.listings.pending`, one
consistent Query beside the first round) and sees every one of them, though the stream worker
may not have carried it everywhere yet: an article of theirs is shown in (or left out of) a
list, and counted, by what the partition holding it says, read in the same Query as its
counter, or in one snapshot of the entry and the counter when the page's own read did not
reach it; a card is shown in its newer version (their edit, their new name); and the count
of an article they just favorited or unfavorited is read from its source, the count items, in
one snapshot with the marker that says whether the worker counted their change.
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
from conduit.listings import pending as mine
from conduit.listings import store as listings
from conduit.listings.pending import Mine, PendingFavorite
from conduit.listings.store import ListingItem, Merge, Page
from conduit.profiles import store as follows
from conduit.storage import run_rounds, snapshot, together


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
    #: The partition of these lists that holds an article of the viewer's (None: it is in none
    #: of them), and the one that holds a favorite of theirs: where their pending changes show.
    own_articles: Callable[[Card], str | None] | None = None
    own_favorites: Callable[[PendingFavorite], str | None] | None = None


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
    mine: Mine = mine.NOTHING
    corrected: bool = False
    counts: dict[str, int] = field(default_factory=dict)


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
    if viewer:
        first.append(lambda: setattr(reading, "mine", mine.read(viewer)))
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
        if not extended and not more:  # the page is final: the viewer's own changes, then
            if not reading.corrected:  # what only keys can tell
                reading.corrected = True
                snapshots = _correct(reading)
                if snapshots:
                    return snapshots
            calls += _lookups(reading)
        return calls

    run_rounds(rounds)
    result = merge.page()
    return _views(reading, result), result


def _correct(reading: _Reading) -> list[Callable[[], Any]]:
    """Show the viewer's pending articles and favorites where these lists hold them (or not)
    yet. What the page's own reads tell is corrected at once; the rest is read in snapshots,
    whose calls are returned, and corrected when they have run."""
    flags, merge = reading.flags, reading.merge
    checks: list[tuple[str, ListingItem, bool]] = []
    if flags.own_articles is not None:
        for pending in reading.mine.articles.values():
            key = flags.own_articles(pending.card)
            if key is not None:
                checks.append((key, listings.card_entry(key, pending.card), pending.present))
    if flags.own_favorites is not None:
        for favorite in reading.mine.favorites.values():
            key = flags.own_favorites(favorite)
            if key is not None:
                checks.append((key, listings.reference_entry(key, favorite.placement), favorite.favorited))
    calls: list[Callable[[], Any]] = []
    for key, entry, wanted in checks:
        held = merge.holds(key, entry.sk)
        if held is not None:
            merge.correct(key, entry, wanted, held)
            continue

        def check(key: str = key, entry: ListingItem = entry, wanted: bool = wanted) -> None:
            held, counter = snapshot(lambda t: listings.read_entry(t, key, entry.sk))
            merge.correct(key, entry, wanted, held, counter)

        calls.append(check)
    return calls


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
    if viewer:
        listed = {e.placement.article_id for e in entries}
        for article_id, favorite in reading.mine.favorites.items():
            if article_id in listed and article_id not in reading.counts:
                reading.counts[article_id] = -1  # asked for once

                def count(article_id: str = article_id, favorite: PendingFavorite = favorite) -> None:
                    reading.counts[article_id] = favorites_count(viewer, favorite)

                calls.append(count)
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
        card = as_written(card, reading.mine, reading.counts.get(card.article_id))
        views.append(ArticleView(card, bool(flags.viewer) and favorited, bool(flags.viewer) and following))
    return views


def as_written(card: Card, pending: Mine, count: int | None = None) -> Card:
    """The card as its viewer last wrote it: their newer edit of it, their newer name, bio and
    image on it, and `count` (its favorites, read from their source) when known."""
    written = pending.articles.get(card.article_id)
    if written is not None and written.present and written.card.updated_at > card.updated_at:
        new = written.card
        card = replace(
            card, slug=new.slug, title=new.title, description=new.description, updated_at=new.updated_at
        )
    profile = pending.profile
    if profile is not None and profile.user_id == card.author_id and profile.version > card.author.version:
        card = replace(card, author=profile)
    if count is not None and count >= 0:
        card = replace(card, favorites_count=count)
    return card


def favorites_count(viewer: str, favorite: PendingFavorite) -> int:
    """An article's favorites with the viewer's latest favorite or unfavorite of it counted,
    whether or not the worker has: its count items, read in one snapshot with the viewer's
    marker that the worker puts (or deletes) in the same transaction as it counts."""
    placement = favorite.placement
    marker_list = listings.favorites_key(viewer, author_id=placement.author_id)

    def read(transaction: Any) -> Callable[[], int]:
        marker = listings.read_entry(transaction, marker_list, placement.sk)
        total = favorites.read_count(transaction, placement.article_id)
        return lambda: max(0, total() + int(favorite.favorited) - int(marker()[0]))

    return snapshot(read)


def view(article: Article, viewer: str | None, favorited: bool | None = None) -> ArticleView:
    """One article, already read, as the viewer sees it, with its body: read beside the
    viewer's flags and pending changes unless the article already carries it.

    `favorited` is given by a favorite or unfavorite, which has just written it: its count is
    then read from its source at once (the answer shows the caller's change, counted or not)."""
    calls: list[Callable[[], Any]] = []
    if article.body is None:
        calls.append(lambda: articles.body_of(article.article_id))
    else:
        calls.append(lambda: article.body)
    own = viewer is None or viewer == article.author_id
    calls.append(lambda: False if own else follows.is_following(str(viewer), article.author_id))
    written = PendingFavorite(article.placement, article.tags, bool(favorited))
    if favorited is None:
        calls.append(lambda: viewer is not None and favorites.is_favorited(viewer, article.article_id))
    else:  # just written: its count is read beside the rest, from its source
        calls.append(lambda: favorited)
        calls.append(lambda: favorites_count(str(viewer), written))
    calls.append(lambda: mine.read(viewer) if viewer is not None else mine.NOTHING)
    body, following, is_favorited, *known, pending = together(*calls)
    if body is None:
        raise NotFound("article")  # deleted since it was read
    favorite = pending.favorites.get(article.article_id) if viewer is not None else None
    if known:  # the favorite just written, whatever the record read says
        count: int | None = known[0]
    elif viewer is not None and favorite is not None:
        count = favorites_count(viewer, favorite)
    else:
        count = None
    card = as_written(article, pending, count)
    shown = replace(article, author=card.author, favorites_count=card.favorites_count, body=body)
    return ArticleView(shown, bool(is_favorited), bool(following), body=body)
