"""Data access for follow edges: the only code that touches the follows table."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from conduit.resources import FOLLOWS
from conduit.storage import table_meta


class FollowRecord(Model):
    Meta = table_meta(FOLLOWS)

    follower_id = UnicodeAttribute(hash_key=True, attr_name="followerId")
    followee_id = UnicodeAttribute(range_key=True, attr_name="followeeId")
    created_at = UTCDateTimeAttribute(attr_name="createdAt")


def is_following(follower_id: str, followee_id: str) -> bool:
    try:
        FollowRecord.get(follower_id, followee_id, attributes_to_get=["followerId"])
    except FollowRecord.DoesNotExist:
        return False
    return True


def follow(follower_id: str, followee_id: str) -> None:
    """Idempotent: following twice leaves one edge (a plain put overwrites the same key)."""
    FollowRecord(follower_id, followee_id, created_at=datetime.now(UTC)).save()


def unfollow(follower_id: str, followee_id: str) -> None:
    """Idempotent: deleting an absent edge is not an error."""
    FollowRecord(follower_id, followee_id).delete()
