"""Data made straight through the stores, for tests that need thousands of items.

Registering a thousand users through the API would spend the test's time in Cognito; what
these tests measure is the cost of reading, so the writes go through the same data-access
code the handlers use, and the stream worker processes them as usual.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from conduit.articles import service as articles
from conduit.articles.store import Article
from conduit.cards import Author
from conduit.clock import now_iso
from conduit.profiles import store as follows
from conduit.users import store as users
from conduit.users.store import User

_cards: dict[str, Author] = {}


def author(name: str) -> str:
    """A user with a profile (no Cognito identity: it never signs in); returns its id."""
    now = datetime.now(UTC)
    user_id = str(uuid.uuid4())
    created = users.create(
        User(user_id, name, f"{name}@example.com", bio=None, image=None, created_at=now, updated_at=now)
    )
    _cards[user_id] = users.card_of(created)
    return user_id


def article(author_id: str, title: str, tags: tuple[str, ...] = (), article_id: str | None = None) -> Article:
    """An article by a user made by `author` (its card is the one `author` wrote)."""
    now = now_iso()
    slug = f"{title.lower()}-{uuid.uuid4().hex[:8]}"
    card = _cards[author_id]
    created = Article(
        article_id or str(uuid.uuid4()), slug, title, "description", tags, card, now, now, body="body"
    )
    articles.publish(created)
    return created


def follow(follower_id: str, followee_id: str) -> None:
    follows.follow(follower_id, followee_id)
