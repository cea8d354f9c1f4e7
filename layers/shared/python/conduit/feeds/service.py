"""Keeping lists and feeds in step with articles, follows and profiles: the stream worker's
logic (docs/scaling.md).

- A new article goes into the site-wide lists and its author-and-tag lists (per batch), and
  into the feeds its author's articles are pushed to: every follower of an author below the
  celebrity threshold, and for a celebrity only the followers who already pull
  `PULLED_CELEBRITIES_MAX` others. Other followers of a celebrity pull: their feed pages
  merge the celebrity's own list (`conduit.articles.service.feed`).
- A changed article's card is copied into every entry of it.
- Following a non-celebrity (or a celebrity once the reader's pulls are full) pushes: the
  edge is marked and the author's articles back-filled. Following a celebrity otherwise
  pulls: a marker in the reader's feed partition. Unfollowing undoes either.
- When an author's followers reach the threshold they become a celebrity: each pushed edge
  is flagged, and its own stream record converts that follower to pulling.
- A deleted article leaves every list, feed and favorites list; its comments go.

Every step is idempotent: entries are put only if absent and deleted only if present with
their counters, cards are copied only over older versions, edge marks are plain sets.
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from conduit import settings
from conduit.articles import store as articles
from conduit.articles.store import Article
from conduit.cards import Author
from conduit.comments import service as commenting
from conduit.comments import store as comments
from conduit.favorites import service as favoriting
from conduit.favorites.store import Favorite
from conduit.listings import pending as mine
from conduit.listings import store as listings
from conduit.observability import logger
from conduit.profiles import store as follows
from conduit.storage import commit_once, each, failed_conditions, transact


def _feeds(author_id: str) -> list[str]:
    return [listings.feed_key(f) for f in follows.pushed_followers(author_id) if f != author_id]


def _listed_in(article: Article) -> list[str]:
    """The lists the worker keeps an article in (its author list is the request's)."""
    return listings.author_lists(article.author_id, article.tags)[1:] + listings.site_lists(
        article.article_id, article.tags
    )


def file_articles(final: Sequence[tuple[Article, bool]]) -> None:
    """Put created articles in (`True`), and take deleted ones out of (`False`), the site-wide
    and author-and-tag lists, as few transactions as fit; then recount their tags."""
    steps = [
        listings.card_puts(_listed_in(article), article)
        if present
        else listings.deletes(_listed_in(article), article.placement.sk)
        for article, present in final
    ]
    listings.apply(steps)
    for tag in sorted({tag for article, _ in final for tag in article.tags}):
        listings.recount_tag(tag)


def fan_out(article: Article) -> int:
    """A new article goes into the feeds its author's articles are pushed to."""
    added = sum(listings.apply([listings.card_puts([feed], article) for feed in _feeds(article.author_id)]))
    logger.info("article fanned out", extra={"article_id": article.article_id, "feeds": added})
    return added


def copy_card(article: Article, feeds: list[str] | None = None) -> None:
    """A changed article shows its new card wherever it is listed (`feeds`: its author's pushed
    followers' feeds, when already known)."""
    keys = listings.author_lists(article.author_id, article.tags) + listings.site_lists(
        article.article_id, article.tags
    )
    listings.refresh(keys + (_feeds(article.author_id) if feeds is None else feeds), article)


def clean_up_article(article: Article) -> None:
    """A deleted article leaves every feed and favorites list, and its comments go."""
    sk = article.placement.sk
    listings.apply([listings.deletes([f], sk) for f in _feeds(article.author_id)])
    forgotten = favoriting.forget(article)
    dropped = comments.delete_all(article.article_id)
    logger.info(
        "deleted article cleaned up",
        extra={"article_id": article.article_id, "favorites": forgotten, "comments": dropped},
    )


def _tracking(follower_id: str, author_id: str, following: bool) -> listings.NetStage | None:
    """While the reader's follow (or unfollow) is pending, the transactions moving the author's
    articles count them on its record (`conduit.listings.pending`), so their feed pages stay
    exact meanwhile; a newer opposite record cancels them (it undoes this anyway)."""
    pending = mine.read_follow(follower_id, author_id)
    if pending is None or pending.following != following:
        return None
    return lambda transaction, net: mine.stage_moved(transaction, follower_id, author_id, following, net)


def _back_fill(follower_id: str, author_id: str) -> int:
    """The author's articles go into the follower's feed (the edge is marked pushed first, so
    articles created meanwhile are fanned out to it too). A card changed while these copies
    are written may have been copied into the author's other entries before this one
    existed: that copy stays one version behind until the article changes again
    (docs/scaling.md)."""
    feed = listings.feed_key(follower_id)
    cards = [e.card for e in listings.entries(listings.author_key(author_id)) if e.card is not None]
    tracked = _tracking(follower_id, author_id, following=True)
    return sum(listings.apply([listings.card_puts([feed], card) for card in cards], stage_net=tracked))


def _withdraw(follower_id: str, author_id: str, track: bool = True) -> int:
    """The author's articles leave the follower's feed."""
    feed = listings.feed_key(follower_id)
    steps = [
        listings.deletes([feed], e.placement.sk) for e in listings.entries(listings.author_key(author_id))
    ]
    tracked = _tracking(follower_id, author_id, following=False) if track else None
    return -sum(listings.apply(steps, stage_net=tracked))


def _pull(reader_id: str, author_id: str) -> bool:
    """Have the reader pull the celebrity; False when the reader pulls enough already. Their
    pending follow, if any, is cleared in the same transaction: a feed page then merges the
    celebrity as pulled, never as pulled and pending at once."""

    def write(transaction: TransactWrite) -> None:
        listings.stage_pull(transaction, reader_id, author_id)
        mine.stage_clear_follow(transaction, reader_id, author_id, following=True)

    try:
        transact(write)
    except TransactWriteError as error:
        # PynamoDB sends deletes before puts before updates: the follow's record, the marker, the count
        unfollowed, marker_there, full = [*failed_conditions(error), False, False, False][:3]
        if marker_there:  # pulled already (a repeat)
            mine.clear_follow(reader_id, author_id, following=True)
            return True
        if unfollowed:
            return True  # unfollowed since: nothing to pull
        if full:
            return False
        raise
    return True


def _push(follower_id: str, author_id: str) -> None:
    if follows.push(follower_id, author_id):  # False: unfollowed meanwhile, nothing to fill
        _back_fill(follower_id, author_id)
    mine.clear_follow(follower_id, author_id, following=True)


def followed(follower_id: str, author_id: str) -> None:
    """A new follow: push the author's articles to the follower, or have them pull."""
    if follower_id == author_id:
        return
    if listings.stats(author_id).celebrity:  # a celebrity's tally no longer matters
        if not _pull(follower_id, author_id):
            _push(follower_id, author_id)
        return
    listings.count_follower(author_id, follower_id, following=True)
    _push(follower_id, author_id)
    if listings.stats(author_id).followers >= settings.celebrity_followers():
        _become_celebrity(author_id)


def unfollowed(follower_id: str, author_id: str, pushed: bool) -> None:
    """An unfollow: withdraw what was pushed, or stop pulling."""
    if pushed:
        _withdraw(follower_id, author_id)
        mine.clear_follow(follower_id, author_id, following=False)
    else:

        def write(transaction: TransactWrite) -> None:
            listings.stage_unpull(transaction, follower_id, author_id)
            mine.stage_clear_follow(transaction, follower_id, author_id, following=False)

        if not commit_once(write):  # not pulled (a repeat), or followed again since
            mine.clear_follow(follower_id, author_id, following=False)
    # Every pushed follower was counted, and so was one unfollowed before the worker pushed it;
    # a celebrity's pulled followers were not (and its tally no longer matters), so their
    # unfollows write nothing of the celebrity's.
    if pushed or not listings.stats(author_id).celebrity:
        listings.count_follower(author_id, follower_id, following=False)


def _become_celebrity(author_id: str) -> None:
    """Mark the author a celebrity and flag every pushed edge for conversion (each edge's own
    stream record then converts its follower: one small step per follower)."""
    if not listings.mark_celebrity(author_id):
        return
    flagged = sum(
        follows.flag_for_conversion(f, author_id) for f in list(follows.pushed_followers(author_id))
    )
    logger.info("author became a celebrity", extra={"author_id": author_id, "converting": flagged})


def convert(follower_id: str, author_id: str) -> None:
    """A pushed edge flagged for conversion: the follower pulls from now on (if they can),
    and the author's pushed articles leave their feed."""
    if _pull(follower_id, author_id):
        _withdraw(follower_id, author_id, track=False)
        follows.stop_pushing(follower_id, author_id)
    else:
        follows.keep_pushing(follower_id, author_id)


def profile_changed(card: Author) -> None:
    """A profile changed: its card goes onto the author's articles, from each into its entries,
    and onto their comments; then the author's own reads stop correcting by it."""
    listed = list(listings.entries(listings.author_key(card.user_id)))
    feeds = _feeds(card.user_id)

    def carry(entry: listings.Entry) -> None:
        stored = articles.set_author(entry.placement.article_id, card)
        if stored is not None:  # None: deleted meanwhile
            copy_card(stored, feeds)

    each(carry, listed)
    commenting.refresh_author(card)
    mine.clear_profile(card)


def favorites_counted(applied: Sequence[tuple[Favorite, bool, Article | None]]) -> None:
    """Favorites were counted: each article shows its new count wherever it is listed, then
    each favoriter's reads stop correcting by their change."""
    counted = {article.article_id: article for _, _, article in applied if article is not None}
    each(copy_card, list(counted.values()))
    for favorite, present, _ in applied:
        mine.clear_favorite(favorite.user_id, favorite.placement.article_id, present)


def article_carried(article: Article, present: bool) -> None:
    """Every copy of the article is as its author wrote it: their reads stop correcting by it."""
    mine.clear_article(article, present)
