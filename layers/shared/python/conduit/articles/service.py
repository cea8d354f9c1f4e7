"""Use cases for articles: create, read, list, feed, update, delete, favorite."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from conduit.articles import reading
from conduit.articles import store as articles
from conduit.articles.paging import Paging
from conduit.articles.reading import ArticleView
from conduit.articles.slugs import candidates, slugify
from conduit.articles.store import Article, SlugTaken
from conduit.clock import now_iso
from conduit.errors import Forbidden, NotFound, ValidationFailed
from conduit.favorites import store as favorites
from conduit.listings import store as listings
from conduit.listings.store import Page
from conduit.users import store as users

if TYPE_CHECKING:  # only types: the views parse the bodies
    from conduit.articles.models import ArticleChanges, NewArticle

_SLUG_CANDIDATES = 10
_SLUG_ATTEMPTS = 3  # a race for a slug is lost at most this often before we give up
#: Names the article a request creates when it carries an Idempotency-Key (see `create`).
_REQUESTED = uuid.UUID("6f1c8a52-3a57-4c55-9a3e-6d0f4c0b1e2d")


def _find(slug: str) -> Article:
    article = articles.get_by_slug(slug)
    if article is None:
        raise NotFound("article")
    return article


def _free_slug(title: str, keep: str | None = None) -> str:
    """The title's slug, or the first free `-2`, `-3`... variant; `keep` is the article's own."""
    base = slugify(title)
    tried = candidates(base, _SLUG_CANDIDATES)
    if keep is not None and keep in tried:
        return keep
    free = articles.free_slugs(tried)
    return free[0] if free else f"{base}-{uuid.uuid4().hex[:8]}"


def create(author_id: str, new: NewArticle, request_key: str | None = None) -> ArticleView:
    """Publish an article. With a request key (the Idempotency-Key), its id comes from the author
    and the key, so a repeat whose first attempt was written but not answered finds that article
    instead of publishing it twice."""
    now = now_iso()
    article_id = uuid.uuid5(_REQUESTED, f"{author_id}/{request_key}") if request_key else uuid.uuid4()
    article = Article(
        article_id=str(article_id),
        slug="",
        title=new.title,
        description=new.description,
        body=new.body,
        tags=tuple(new.tagList),
        author_id=author_id,
        created_at=now,
        updated_at=now,
    )
    for _ in range(_SLUG_ATTEMPTS):
        article = replace(article, slug=_free_slug(new.title))
        try:
            article = articles.create(article)
            break
        except SlugTaken:
            continue
    else:
        raise ValidationFailed.on("title", "is too popular right now; try again")
    return reading.view(article, author_id)


def get(slug: str, viewer: str | None) -> ArticleView:
    return reading.view(_find(slug), viewer)


def _own(slug: str, caller: str) -> Article:
    article = _find(slug)
    if article.author_id != caller:
        raise Forbidden.on("article", "can only be changed by its author")
    return article


def update(slug: str, caller: str, changes: ArticleChanges) -> ArticleView:
    sent = changes.sent
    if not sent:
        raise ValidationFailed.on("article", "must change at least one field")
    before = _own(slug, caller)
    after = replace(
        before,
        title=changes.title or before.title,
        description=changes.description or before.description,
        body=changes.body or before.body,
        updated_at=now_iso(),
    )
    for _ in range(_SLUG_ATTEMPTS):
        after = replace(
            after,
            slug=_free_slug(after.title, keep=before.slug) if after.title != before.title else before.slug,
        )
        try:
            articles.update(before, after)
            break
        except SlugTaken:
            continue
        except articles.ConcurrentChange:
            raise ValidationFailed.on("article", "was changed by another request; try again") from None
    else:
        raise ValidationFailed.on("title", "is too popular right now; try again")
    return reading.view(after, caller)


def delete(slug: str, caller: str) -> None:
    articles.delete(_own(slug, caller))


def favorite(slug: str, caller: str, favorited: bool) -> ArticleView:
    """Favorite or unfavorite; doing what is already done changes nothing and is no error.
    Either way the caller's flag is now `favorited` (the flag read beside the author is only
    eventually consistent, so it is not asked)."""
    article = _find(slug)
    if favorites.add(caller, article) if favorited else favorites.remove(caller, article):
        article = replace(article, favorites_count=article.favorites_count + (1 if favorited else -1))
    else:
        article = _find(slug)  # nothing to do, or a race: show the count as it is now
    return replace(reading.view(article, caller), favorited=favorited)


def list_articles(
    paging: Paging,
    viewer: str | None,
    tag: str | None = None,
    author: str | None = None,
    favorited_by: str | None = None,
) -> tuple[list[ArticleView], Page]:
    """Articles matching every given filter, newest first. An unknown username matches none."""
    names = {field: name for field, name in (("author", author), ("favorited", favorited_by)) if name}
    owners = users.owners_of_usernames(list(names.values())) if names else {}
    ids = {field: owners.get(name.lower()) for field, name in names.items()}
    if any(user_id is None for user_id in ids.values()):
        return [], Page([], 0, None)
    key = listings.filter_key(author_id=ids.get("author"), tag=tag, favorited_by=ids.get("favorited"))
    page = listings.page(key, paging.limit, paging.offset, paging.cursor)
    return reading.views(page.placements, viewer), page


def feed(paging: Paging, viewer: str) -> tuple[list[ArticleView], Page]:
    page = listings.page(listings.feed_key(viewer), paging.limit, paging.offset, paging.cursor)
    return reading.views(page.placements, viewer), page
