"""Turning article ids into what a response shows, in one round trip whatever the page size.

The articles, their authors, and the caller's favorited and following flags are four
BatchGetItem calls that need nothing from each other (list entries already carry the author),
so they run side by side. An entry whose article is gone (deleted a moment ago, its favorites
and feed entries not yet cleaned up by the stream worker) is left out. Pages show no bodies,
so they never read them; a single article reads its body beside its author and flags.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from conduit.articles import store as articles
from conduit.articles.store import Article
from conduit.errors import NotFound
from conduit.favorites import store as favorites
from conduit.listings.store import Placement
from conduit.profiles import store as follows
from conduit.storage import together
from conduit.users import store as users
from conduit.users.store import User


@dataclass(frozen=True)
class ArticleView:
    article: Article
    author: User
    favorited: bool
    following: bool


def _flag_reads(viewer: str | None, ids: list[str], author_ids: list[str]) -> list[Callable[[], Any]]:
    """Reads of the authors and of the viewer's flags; anonymous viewers have no flags to read."""
    return [
        lambda: users.get_many(author_ids),
        (lambda: favorites.favorited(viewer, ids)) if viewer else set,
        (lambda: follows.followed_among(viewer, author_ids)) if viewer else set,
    ]


def views(placements: Sequence[Placement], viewer: str | None) -> list[ArticleView]:
    """The articles of a page, in page order, as the viewer sees them."""
    ids = [p.article_id for p in placements]
    author_ids = [p.author_id for p in placements]
    found, authors, favorited, followed = together(
        lambda: articles.get_many(ids), *_flag_reads(viewer, ids, author_ids)
    )
    result = []
    for placement in placements:
        article, author = found.get(placement.article_id), authors.get(placement.author_id)
        if article is not None and author is not None:
            result.append(
                ArticleView(article, author, article.article_id in favorited, author.user_id in followed)
            )
    return result


def view(article: Article, viewer: str | None) -> ArticleView:
    """One article, already read, as the viewer sees it, with its body: read beside the author
    and the flags unless the article already carries it."""
    body_read = [lambda: articles.body_of(article.article_id)] if article.body is None else []
    authors, favorited, followed, *body = together(
        *_flag_reads(viewer, [article.article_id], [article.author_id]), *body_read
    )
    if body:
        if body[0] is None:
            raise NotFound("article")  # deleted since it was read
        article = replace(article, body=body[0])
    author = authors.get(article.author_id)
    if author is None:
        raise LookupError(f"author {article.author_id} of article {article.article_id} has no profile")
    return ArticleView(article, author, article.article_id in favorited, article.author_id in followed)
