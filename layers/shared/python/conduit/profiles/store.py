"""Data access for follow edges: the only code that touches the follows table.

An edge whose follower gets the followee's new articles pushed into their feed carries
`fanout` (the followee), which puts it in the sparse `byFanout` index; `convert` marks a
pushed edge the worker is to switch to pulling (the followee became a celebrity).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.transactions import TransactWrite

from conduit.resources import FOLLOWS, SHARDING, shard_of
from conduit.storage import Record, commit_once, table_meta

#: Edges read beside a page for its following flags; beyond them the page's authors are
#: looked up by key (see `conduit.articles.reading`).
FOLLOWEES_READ = 100


class ByFanout(GlobalSecondaryIndex["FollowRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = FOLLOWS.index("byFanout").name
        projection = KeysOnlyProjection()

    fanout = UnicodeAttribute(hash_key=True)
    follower_id = UnicodeAttribute(range_key=True, attr_name="followerId")


class ByFollowee(GlobalSecondaryIndex["FollowRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = FOLLOWS.index("byFollowee").name
        projection = KeysOnlyProjection()

    followee = UnicodeAttribute(hash_key=True)
    follower_id = UnicodeAttribute(range_key=True, attr_name="followerId")


class FollowRecord(Record):
    Meta = table_meta(FOLLOWS)

    follower_id = UnicodeAttribute(hash_key=True, attr_name="followerId")
    followee_id = UnicodeAttribute(range_key=True, attr_name="followeeId")
    created_at = UTCDateTimeAttribute(attr_name="createdAt")
    fanout = UnicodeAttribute(null=True)
    convert = BooleanAttribute(null=True)
    #: `<followeeId>#<shard>`: puts every edge in `byFollowee` (a followee's followers).
    followee = UnicodeAttribute(null=True)
    by_fanout = ByFanout()
    by_followee = ByFollowee()


@dataclass(frozen=True)
class Edge:
    """A follow edge as a stream image shows it."""

    follower_id: str
    followee_id: str
    pushed: bool
    converting: bool


def edge_of(image: Mapping[str, Any]) -> Edge:
    return Edge(
        str(image["followerId"]),
        str(image["followeeId"]),
        bool(image.get("fanout")),
        bool(image.get("convert")),
    )


def _followee_key(followee_id: str, follower_id: str) -> str:
    return f"{followee_id}#{shard_of(follower_id, SHARDING.followees)}"


def followers_page(followee_id: str, shard: int, after: str | None, limit: int) -> list[str]:
    """Up to `limit` followers of a user in one `byFollowee` shard, after the follower `after`
    (for deleting their account: pushed and pulling followers alike; never a request)."""
    condition = ByFollowee.follower_id > after if after is not None else None
    edges = FollowRecord.by_followee.query(f"{followee_id}#{shard}", condition, limit=limit)
    return [edge.follower_id for edge in edges]


def followees_page(follower_id: str, limit: int) -> list[str]:
    """The first `limit` users a user follows (one consistent Query; for deleting their account)."""
    edges = FollowRecord.query(
        follower_id, limit=limit, attributes_to_get=["followeeId"], consistent_read=True
    )
    return [edge.followee_id for edge in edges]


def pushed_followers(followee_id: str) -> Iterator[str]:
    """The followers whose feeds get the followee's new articles (the sparse `byFanout`
    index; for the stream worker, never a request)."""
    for edge in FollowRecord.by_fanout.query(followee_id):
        yield edge.follower_id


def is_following(follower_id: str, followee_id: str) -> bool:
    try:
        FollowRecord.get(follower_id, followee_id, attributes_to_get=["followerId"], consistent_read=True)
    except FollowRecord.DoesNotExist:
        return False
    return True


def followed_among(follower_id: str, candidates: Iterable[str]) -> set[str]:
    """Which of the candidates the follower follows (one BatchGetItem)."""
    keys = [(follower_id, candidate) for candidate in dict.fromkeys(candidates)]
    if not keys:
        return set()
    return {
        edge.followee_id
        for edge in FollowRecord.batch_get(
            keys, attributes_to_get=["followerId", "followeeId"], consistent_read=True
        )
    }


def followees(follower_id: str) -> tuple[set[str], bool]:
    """Whom the follower follows, up to `FOLLOWEES_READ` of them (one Query); and whether that
    was everyone."""
    # consistent: the follower's own last follow shows in their flags at once
    edges = FollowRecord.query(
        follower_id, limit=FOLLOWEES_READ, attributes_to_get=["followeeId"], consistent_read=True
    )
    found = {edge.followee_id for edge in edges}
    return found, edges.last_evaluated_key is None


def follow(follower_id: str, followee_id: str, also: Callable[[TransactWrite], None] | None = None) -> None:
    """Put the edge only if absent, with `also` (the follower's record of the follow), in one
    transaction: following again, or a repeat of this call, finds the edge and leaves it as it
    is (keeping what the worker set on it)."""
    edge = FollowRecord(
        follower_id,
        followee_id,
        created_at=datetime.now(UTC),
        followee=_followee_key(followee_id, follower_id),
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(edge, condition=FollowRecord.follower_id.does_not_exist())
        if also is not None:
            also(transaction)

    commit_once(write)


def unfollow(follower_id: str, followee_id: str, also: Callable[[TransactWrite], None] | None = None) -> None:
    """Delete the edge only if present, with `also`, in one transaction: unfollowing someone
    not followed is not an error, and writes nothing."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            FollowRecord(follower_id, followee_id), condition=FollowRecord.follower_id.exists()
        )
        if also is not None:
            also(transaction)

    commit_once(write)


def _update_edge(follower_id: str, followee_id: str, actions: list[Any], condition: Any = None) -> bool:
    """Update the edge if it still exists (and `condition` holds); False otherwise."""
    exists = FollowRecord.follower_id.exists()
    try:
        FollowRecord(follower_id, followee_id).update(
            actions=actions, condition=exists if condition is None else exists & condition
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def push(follower_id: str, followee_id: str) -> bool:
    """Mark the edge pushed; False if the edge is gone (unfollowed meanwhile). Setting the same
    value twice is the same as once."""
    return _update_edge(
        follower_id, followee_id, [FollowRecord.fanout.set(followee_id), FollowRecord.convert.remove()]
    )


def stop_pushing(follower_id: str, followee_id: str) -> bool:
    """Unmark a pushed edge (its follower now pulls); removing twice is the same as once."""
    return _update_edge(
        follower_id, followee_id, [FollowRecord.fanout.remove(), FollowRecord.convert.remove()]
    )


def keep_pushing(follower_id: str, followee_id: str) -> bool:
    """A pushed edge that cannot be converted (the follower pulls enough celebrities) stays."""
    return _update_edge(
        follower_id, followee_id, [FollowRecord.convert.remove()], FollowRecord.fanout.exists()
    )


def flag_for_conversion(follower_id: str, followee_id: str) -> bool:
    """Ask the worker to switch this pushed edge to pulling (its own stream record does it)."""
    return _update_edge(
        follower_id, followee_id, [FollowRecord.convert.set(True)], FollowRecord.fanout.exists()
    )
