"""Use cases for comments: add, list, delete."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conduit.articles import store as articles
from conduit.clock import now_iso
from conduit.comments import store
from conduit.comments.store import Comment, NotTheAuthor
from conduit.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from conduit.profiles import store as follows
from conduit.storage import together
from conduit.users import store as users
from conduit.users.store import User


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    author: User
    following: bool


def _article_id(slug: str) -> str:
    article_id = articles.id_of_slug(slug)
    if article_id is None:
        raise NotFound("article")
    return article_id


def add(slug: str, author_id: str, body: str) -> CommentView:
    """Take the next id beside reading the author, then put the comment: the put is the last
    step, so a request that fails (a 503) wrote no comment, and its repeat writes one. An id
    taken by a failed request is skipped, never given again."""
    article_id = _article_id(slug)
    comment_id, profile = together(lambda: articles.next_comment_id(article_id), lambda: users.get(author_id))
    if comment_id is None:
        raise NotFound("article")
    if profile is None:
        raise Unauthorized("belongs to no user")
    now = now_iso()
    comment = Comment(article_id, comment_id, author_id, body, created_at=now, updated_at=now)
    store.add(comment)
    return CommentView(comment, profile, following=False)


def list_comments(slug: str, viewer: str | None) -> list[CommentView]:
    comments = store.newest(_article_id(slug))
    author_ids = [c.author_id for c in comments]
    authors, followed = together(
        lambda: users.get_many(author_ids),
        (lambda: follows.followed_among(viewer, author_ids)) if viewer else set,
    )
    return [
        CommentView(c, authors[c.author_id], c.author_id in followed)
        for c in comments
        if c.author_id in authors
    ]


_ID = re.compile(r"^[1-9][0-9]{0,14}$")  # ASCII digits only: str.isdigit() admits '²'


def parse_id(raw: str) -> int:
    if not _ID.match(raw):
        raise ValidationFailed.on("id", "must be a positive integer")
    return int(raw)


def delete(slug: str, raw_id: str, caller: str) -> None:
    comment_id = parse_id(raw_id)
    article_id = _article_id(slug)
    try:
        deleted = store.delete(article_id, comment_id, caller)
    except NotTheAuthor:
        raise Forbidden.on("comment", "can only be deleted by its author") from None
    if not deleted:
        raise NotFound("comment")
