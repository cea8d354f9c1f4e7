"""Use cases for profiles: reading one, following and unfollowing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from conduit import mentions
from conduit.errors import NotFound, ValidationFailed
from conduit.listings import pending as mine
from conduit.profiles import store
from conduit.users import store as users
from conduit.users.store import User


@dataclass(frozen=True)
class Profile:
    user: User
    following: bool


def _find(username: str) -> User:
    user = users.find_by_username(username)
    if user is None:
        raise NotFound("profile")
    return user


def get(username: str, viewer_id: str | None) -> Profile:
    user = _find(username)
    following = (
        viewer_id is not None and viewer_id != user.user_id and store.is_following(viewer_id, user.user_id)
    )
    return Profile(user, following)


def set_following(username: str, follower_id: str, following: bool) -> Profile:
    """Follow or unfollow; doing what is already done is no error (the edge's key is fixed)."""
    user = _find(username)
    if user.user_id == follower_id:
        raise ValidationFailed.on("username", f"can't {'follow' if following else 'unfollow'} yourself")
    # with the follower's record of it: their feed shows it at once (conduit.listings.pending)
    record = partial(mine.stage_follow, follower_id=follower_id, author_id=user.user_id, following=following)
    (store.follow if following else store.unfollow)(follower_id, user.user_id, also=record)
    mentions.mention(user.user_id)  # the answer shows their profile
    return Profile(user, following)
