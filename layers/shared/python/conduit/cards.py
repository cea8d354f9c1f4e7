"""What a page shows of an article and of its author, as values every store can carry.

List entries, feed entries, article items and comments each hold a copy of these (so a page
is one Query, not a read per article or author); the stream worker keeps the copies current
from their source, each copy tagged with the version it was taken from so that a repeated or
late copy of an older version changes nothing (docs/scaling.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Author:
    """A user as shown beside their article or comment; `version` is the profile's."""

    user_id: str
    username: str
    bio: str | None
    image: str | None
    version: int = 0


@dataclass(frozen=True)
class Placement:
    """Where an article sits in every list: its creation time orders it."""

    article_id: str
    author_id: str
    created_at: str

    @property
    def sk(self) -> str:
        return f"{self.created_at}#{self.article_id}"


@dataclass(frozen=True)
class Card:
    """An article as a page lists it (no body); `version` grows with every change of it."""

    article_id: str
    slug: str
    title: str
    description: str
    tags: tuple[str, ...]
    author: Author
    created_at: str
    updated_at: str
    favorites_count: int = 0
    version: int = 0

    @property
    def author_id(self) -> str:
        return self.author.user_id

    @property
    def placement(self) -> Placement:
        return Placement(self.article_id, self.author.user_id, self.created_at)
