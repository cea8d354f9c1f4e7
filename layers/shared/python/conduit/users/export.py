"""A copy of everything an account holds (`GET /api/user/export`), at a bounded cost.

One answer holds the profile with its email and the first page of each part: the user's
articles with their bodies (`ARTICLES_PAGE`, since a body may be 50,000 characters), and
their comments (each with its article's slug), favorites (slugs), following and followers
(usernames), `PAGE` each. A part with more says where it goes on (`next`); the client asks
for it alone (`?part=<part>&cursor=<next>`), at the same cost however deep. A request reads at
most `PAGE` items per part in three round trips: the profile and each part's page side by
side; then the bodies, comments, articles and usernames they name; then the slugs of the
articles commented on (docs/api.md, "Your data").
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conduit import jsontext
from conduit.articles import store as articles
from conduit.cards import Placement
from conduit.comments.store import CommentRecord
from conduit.errors import ValidationFailed
from conduit.favorites.store import FavoriteRecord
from conduit.listings import store as listings
from conduit.listings.store import HEAD, ListingItem
from conduit.profiles.store import ByFollowee, FollowRecord
from conduit.resources import SHARDING
from conduit.storage import together
from conduit.users import store as users
from conduit.users.store import User

#: Items of each part per answer; articles fewer, as each carries its body.
PAGE = 100
ARTICLES_PAGE = 20


class Part(StrEnum):
    ARTICLES = "articles"
    COMMENTS = "comments"
    FAVORITES = "favorites"
    FOLLOWING = "following"
    FOLLOWERS = "followers"


@dataclass
class Export:
    """What one answer holds: the profile, a page of each part asked for, where each goes on."""

    user: User
    parts: dict[Part, list[Any]] = field(default_factory=dict)
    next: dict[Part, str] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        user = self.user
        profile = {
            "username": user.username,
            "email": user.email,
            "bio": user.bio,
            "image": user.image,
            "createdAt": user.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        return {
            "export": {
                "profile": profile,
                **{part.value: self.parts.get(part, []) for part in Part},
                "complete": not self.next,
                "next": {part.value: cursor for part, cursor in self.next.items()},
            }
        }


def _encode(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": position}).encode()).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    try:
        document = jsontext.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return document["after"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise ValidationFailed.on("cursor", "is invalid") from None


def _text(position: Any) -> str:
    if not isinstance(position, str) or not position or len(position) > 1024:
        raise ValidationFailed.on("cursor", "is invalid")
    return position


def _comment_key(position: Any) -> dict[str, Any]:
    """A comments cursor: the `byAuthor` index key the last page ended on."""
    if not isinstance(position, dict) or set(position) != {"thread", "commentId"}:
        raise ValidationFailed.on("cursor", "is invalid")
    thread, comment_id = position["thread"], position["commentId"]
    if not isinstance(thread, str) or not isinstance(comment_id, int) or len(thread) > 200:
        raise ValidationFailed.on("cursor", "is invalid")
    return {"thread": thread, "commentId": comment_id}


@dataclass
class _Reading:
    """One answer being read: each part's first round fills what the second round looks up."""

    user_id: str
    export: Export | None = None
    entries: list[ListingItem] = field(default_factory=list)
    comment_keys: list[tuple[str, int]] = field(default_factory=list)
    favorite_ids: list[str] = field(default_factory=list)
    following: list[str] = field(default_factory=list)
    followers: list[str] = field(default_factory=list)
    next: dict[Part, Any] = field(default_factory=dict)


def _articles(reading: _Reading, after: str | None) -> Callable[[], None]:
    def read() -> None:
        key = listings.author_key(reading.user_id)
        # after `after`, the list's counter follows its entries: one more item read for it
        condition = ListingItem.sk > after if after is not None else ListingItem.sk < HEAD
        found = ListingItem.query(key, condition, limit=ARTICLES_PAGE + 2, consistent_read=True)
        items = [item for item in found if item.sk < HEAD]
        reading.entries = items[:ARTICLES_PAGE]
        if len(items) > ARTICLES_PAGE:
            reading.next[Part.ARTICLES] = reading.entries[-1].sk

    return read


def _comments(reading: _Reading, start: dict[str, Any] | None) -> Callable[[], None]:
    def read() -> None:
        last = None
        if start is not None:
            last = {
                "authorId": {"S": reading.user_id},
                "commentId": {"N": str(start["commentId"])},
                "thread": {"S": start["thread"]},
            }
        found = CommentRecord.by_author.query(reading.user_id, limit=PAGE, last_evaluated_key=last)
        reading.comment_keys = [(r.thread, int(r.comment_id)) for r in found]
        following = found.last_evaluated_key
        if following is not None and reading.comment_keys:
            thread, comment_id = reading.comment_keys[-1]
            reading.next[Part.COMMENTS] = {"thread": thread, "commentId": comment_id}

    return read


def _favorites(reading: _Reading, after: str | None) -> Callable[[], None]:
    def read() -> None:
        condition = FavoriteRecord.article_id > after if after is not None else None
        found = list(
            FavoriteRecord.query(
                reading.user_id, condition, limit=PAGE + 1, attributes_to_get=["userId", "articleId"]
            )
        )
        reading.favorite_ids = [f.article_id for f in found[:PAGE]]
        if len(found) > PAGE:
            reading.next[Part.FAVORITES] = reading.favorite_ids[-1]

    return read


def _following(reading: _Reading, after: str | None) -> Callable[[], None]:
    def read() -> None:
        condition = FollowRecord.followee_id > after if after is not None else None
        found = list(
            FollowRecord.query(reading.user_id, condition, limit=PAGE + 1, attributes_to_get=["followeeId"])
        )
        reading.following = [edge.followee_id for edge in found[:PAGE]]
        if len(found) > PAGE:
            reading.next[Part.FOLLOWING] = reading.following[-1]

    return read


def _followers(reading: _Reading, after: str | None) -> list[Callable[[], None]]:
    """Each `byFollowee` shard's next followers, side by side; the page is the lowest of them."""
    found: list[list[str]] = [[] for _ in range(SHARDING.followees)]

    def reader(shard: int) -> Callable[[], None]:
        def read() -> None:
            condition = ByFollowee.follower_id > after if after is not None else None
            edges = FollowRecord.by_followee.query(f"{reading.user_id}#{shard}", condition, limit=PAGE + 1)
            found[shard] = [edge.follower_id for edge in edges]

        return read

    def merge() -> None:
        merged = sorted(f for shard in found for f in shard)
        reading.followers = merged[:PAGE]
        if len(merged) > PAGE:
            reading.next[Part.FOLLOWERS] = reading.followers[-1]

    return [*(reader(shard) for shard in range(SHARDING.followees)), merge]


def export(user_id: str, part: str | None = None, cursor: str | None = None) -> Export:
    """The account's data: every part's first page, or (`part`, `cursor`) one part's next."""
    if cursor is not None and part is None:
        raise ValidationFailed.on("cursor", "needs the part it goes on with")
    wanted = list(Part) if part is None else [_part(part)]
    after = _decode(cursor) if cursor is not None else None
    reading = _Reading(user_id)
    round_one: list[Callable[[], None]] = []
    profile: list[User | None] = []
    round_one.append(lambda: profile.append(users.get(user_id)))
    merges: list[Callable[[], None]] = []
    for each in wanted:
        if each is Part.ARTICLES:
            round_one.append(_articles(reading, _text(after) if after is not None else None))
        elif each is Part.COMMENTS:
            round_one.append(_comments(reading, _comment_key(after) if after is not None else None))
        elif each is Part.FAVORITES:
            round_one.append(_favorites(reading, _text(after) if after is not None else None))
        elif each is Part.FOLLOWING:
            round_one.append(_following(reading, _text(after) if after is not None else None))
        else:
            *reads, merge = _followers(reading, _text(after) if after is not None else None)
            round_one += reads
            merges.append(merge)
    together(*round_one)
    for merge in merges:
        merge()
    user = profile[0]
    if user is None:
        raise ValidationFailed.on("user", "is being deleted")
    result = Export(user)
    _round_two(reading, result, wanted)
    result.next = {p: _encode(position) for p, position in reading.next.items()}
    return result


def _part(name: str) -> Part:
    try:
        return Part(name)
    except ValueError:
        raise ValidationFailed.on("part", f"must be one of {', '.join(p.value for p in Part)}") from None


def _round_two(reading: _Reading, result: Export, wanted: list[Part]) -> None:
    """The bodies, comments, favorited articles and usernames the first round named (side by
    side), then the slugs of the articles commented on."""
    bodies: dict[str, str] = {}
    found_comments: list[CommentRecord] = []
    favorited: dict[str, articles.Article] = {}
    names: dict[str, str] = {}

    def read_bodies() -> None:
        bodies.update(articles.bodies_of(item.sk.partition("#")[2] for item in reading.entries))

    def read_comments() -> None:
        found_comments.extend(CommentRecord.batch_get(reading.comment_keys) if reading.comment_keys else [])

    def read_favorited() -> None:
        favorited.update(articles.get_many(reading.favorite_ids))

    def read_names() -> None:
        people = users.get_many([*reading.following, *reading.followers])
        names.update({user_id: user.username for user_id, user in people.items()})

    together(read_bodies, read_comments, read_favorited, read_names)
    commented = articles.get_many({c.article_id for c in found_comments})
    if Part.ARTICLES in wanted:
        result.parts[Part.ARTICLES] = [_article(item, bodies) for item in reading.entries]
    if Part.COMMENTS in wanted:
        ordered = {(c.thread, int(c.comment_id)): c for c in found_comments}
        result.parts[Part.COMMENTS] = [
            {
                "id": int(c.comment_id),
                "article": commented[c.article_id].slug if c.article_id in commented else None,
                "body": c.body,
                "createdAt": c.created_at,
            }
            for key in reading.comment_keys
            if (c := ordered.get(key)) is not None
        ]
    if Part.FAVORITES in wanted:
        result.parts[Part.FAVORITES] = [favorited[i].slug for i in reading.favorite_ids if i in favorited]
    if Part.FOLLOWING in wanted:
        result.parts[Part.FOLLOWING] = [names[i] for i in reading.following if i in names]
    if Part.FOLLOWERS in wanted:
        result.parts[Part.FOLLOWERS] = [names[i] for i in reading.followers if i in names]


def _article(item: ListingItem, bodies: dict[str, str]) -> dict[str, Any]:
    card = listings.card_of(item, Placement(*_placement(item)))
    return {
        "slug": card.slug,
        "title": card.title,
        "description": card.description,
        "body": bodies.get(card.article_id, ""),
        "tagList": list(card.tags),
        "createdAt": card.created_at,
        "updatedAt": card.updated_at,
    }


def _placement(item: ListingItem) -> tuple[str, str, str]:
    created_at, _, article_id = item.sk.partition("#")
    return article_id, str(item.author_id), created_at
