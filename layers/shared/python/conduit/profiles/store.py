"""Data access for follow edges: the only code that touches the follows table."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from conduit.resources import FOLLOWS
from conduit.storage import Record, table_meta


class ByFollowee(GlobalSecondaryIndex["FollowRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = FOLLOWS.index("byFollowee").name
        projection = KeysOnlyProjection()

    followee_id = UnicodeAttribute(hash_key=True, attr_name="followeeId")
    follower_id = UnicodeAttribute(range_key=True, attr_name="followerId")


class FollowRecord(Record):
    Meta = table_meta(FOLLOWS)

    follower_id = UnicodeAttribute(hash_key=True, attr_name="followerId")
    followee_id = UnicodeAttribute(range_key=True, attr_name="followeeId")
    created_at = UTCDateTimeAttribute(attr_name="createdAt")
    by_followee = ByFollowee()


def followers(followee_id: str) -> Iterator[str]:
    """Everyone who follows a user (the byFollowee index; for the stream worker, not requests)."""
    for edge in FollowRecord.by_followee.query(followee_id):
        yield edge.follower_id


def is_following(follower_id: str, followee_id: str) -> bool:
    try:
        FollowRecord.get(follower_id, followee_id, attributes_to_get=["followerId"])
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
        for edge in FollowRecord.batch_get(keys, attributes_to_get=["followerId", "followeeId"])
    }


def follow(follower_id: str, followee_id: str) -> None:
    """Idempotent: following twice leaves one edge (a plain put overwrites the same key)."""
    FollowRecord(follower_id, followee_id, created_at=datetime.now(UTC)).save()


def unfollow(follower_id: str, followee_id: str) -> None:
    """Idempotent: deleting an absent edge is not an error."""
    FollowRecord(follower_id, followee_id).delete()
