"""Keeping feeds and favorites in step with articles and follows: the stream worker's logic.

Fan-out on write: when an article is created, an entry goes into the feed list of each of
its author's followers; following back-fills the author's articles, unfollowing withdraws
them; deleting an article withdraws it from feeds and favorites and drops its comments. A
feed page is then one Query, however many authors its reader follows.

Every step is idempotent (an entry is put only if absent and removed only if present, with
its counter in the same transaction), so a retried batch changes nothing twice.
"""

from __future__ import annotations

from conduit.comments import store as comments
from conduit.favorites import store as favorites
from conduit.listings import store as listings
from conduit.listings.store import Placement
from conduit.observability import logger
from conduit.profiles.store import followers


def fan_out(placement: Placement) -> int:
    """A new article goes into every follower's feed; returns how many feeds it reached."""
    added = sum(listings.add_once([listings.feed_key(f)], placement) for f in followers(placement.author_id))
    logger.info("article fanned out", extra={"article_id": placement.article_id, "feeds": added})
    return added


def back_fill(follower_id: str, author_id: str) -> int:
    """A new follower gets the author's articles in their feed."""
    feed = [listings.feed_key(follower_id)]
    return sum(
        listings.add_once(feed, entry) for entry in listings.entries(listings.filter_key(author_id=author_id))
    )


def withdraw(follower_id: str, author_id: str) -> int:
    """An unfollow takes the author's articles out of the follower's feed."""
    feed = [listings.feed_key(follower_id)]
    return sum(
        listings.remove_once(feed, entry)
        for entry in listings.entries(listings.filter_key(author_id=author_id))
    )


def clean_up_article(placement: Placement, tags: tuple[str, ...]) -> None:
    """A deleted article leaves every feed and favorites list, and its comments go."""
    for follower_id in followers(placement.author_id):
        listings.remove_once([listings.feed_key(follower_id)], placement)
    for user_id in list(favorites.favoriters(placement.article_id)):
        favorites.forget(user_id, placement, tags)
    dropped = comments.delete_all(placement.article_id)
    logger.info("deleted article cleaned up", extra={"article_id": placement.article_id, "comments": dropped})
