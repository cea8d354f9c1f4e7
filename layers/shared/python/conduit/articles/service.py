"""Use cases for articles: create, read, list, feed, update, delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from conduit.articles import reading
from conduit.articles import store as articles
from conduit.articles.paging import Paging
from conduit.articles.reading import ArticleView, Flags
from conduit.articles.slugs import candidates, slugify
from conduit.articles.store import Article, SlugTaken
from conduit.cards import Card
from conduit.clock import now_iso
from conduit.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from conduit.listings import pending as mine
from conduit.listings import store as listings
from conduit.listings.pending import PendingFavorite
from conduit.listings.store import Merge, Page
from conduit.storage import together
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


def _author_list_entry(article: Article, adding: bool) -> listings.Step:
    """The article's entry in its author's list, with the record of the change that the
    author's reads correct what lags by (`conduit.listings.pending`)."""
    keys = [listings.author_key(article.author_id)]
    step = listings.card_puts(keys, article) if adding else listings.deletes(keys, article.placement.sk)
    return replace(step, stage=lambda transaction: mine.stage_article(transaction, article, adding), staged=1)


def create(author_id: str, new: NewArticle, request_key: str | None = None) -> ArticleView:
    """Write the article with its entry in its author's list (the author sees it there at
    once); the site-wide lists, tags and feeds follow from the stream. The response is built
    from what was written: nothing is read back. With a request key (the Idempotency-Key), its
    id comes from the author and the key, so a repeat whose first attempt was written but not
    answered finds that article instead of publishing it twice."""
    profile, slug = together(lambda: users.get(author_id), lambda: _free_slug(new.title))
    if profile is None:
        raise Unauthorized("belongs to no user")
    now = now_iso()
    article_id = uuid.uuid5(_REQUESTED, f"{author_id}/{request_key}") if request_key else uuid.uuid4()
    article = Article(
        article_id=str(article_id),
        slug=slug,
        title=new.title,
        description=new.description,
        tags=tuple(new.tagList),
        author=users.card_of(profile),
        created_at=now,
        updated_at=now,
        body=new.body,
    )
    for attempt in range(_SLUG_ATTEMPTS):
        if attempt:
            article = replace(article, slug=_free_slug(new.title))
        try:
            article = publish(article)
            break
        except SlugTaken:
            continue
    else:
        raise ValidationFailed.on("title", "is too popular right now; try again")
    return ArticleView(article, favorited=False, following=False, body=new.body)


def publish(article: Article) -> Article:
    """Write a new article with its entry in its author's list, in one transaction; returns what
    is stored (see `articles.store.create`)."""
    step = _author_list_entry(article, adding=True)
    return articles.create(article, also=lambda transaction: listings.stage(transaction, step))


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
            articles.update(before, after, also=partial(mine.stage_article, card=after, present=True))
            break
        except SlugTaken:
            continue
        except articles.ConcurrentChange:
            raise ValidationFailed.on("article", "was changed by another request; try again") from None
    else:
        raise ValidationFailed.on("title", "is too popular right now; try again")
    return reading.view(after, caller, favorited=None)


def delete(slug: str, caller: str) -> None:
    """Remove the article and its entry in its author's list at once; everything else
    (site-wide lists, feeds, favorites, comments) follows from the stream."""
    remove(_own(slug, caller))


def remove(article: Article) -> None:
    """Remove the article, its entry in its author's list and (for their reads meanwhile) the
    record of its deletion in one transaction; the stream worker does the rest (also when an
    account is deleted, conduit.users.deletion)."""
    step = _author_list_entry(article, adding=False)
    articles.delete(article, also=lambda transaction: listings.stage(transaction, step))


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
    author_id, favoriter = ids.get("author"), ids.get("favorited")
    # The viewer's own favorites list is written by their favorite's transaction, so their
    # flags are right at once (its filtered lists follow from the stream).
    viewers_favorites = listings.favorites_key(viewer) if viewer else None
    # Where the viewer's own pending articles and favorites would be listed: `author#<me>` and
    # `fav#<me>` are written by their requests, the filtered and site-wide lists by the worker.
    if favoriter is not None:
        key = listings.favorites_key(favoriter, author_id, tag)
        keys = [key]

        def own_favorite(f: PendingFavorite) -> str | None:
            narrowed = author_id is not None or tag is not None
            matches = author_id in (None, f.placement.author_id) and (tag is None or tag in f.tags)
            return key if narrowed and matches and viewer == favoriter else None

        flags = Flags(
            viewer, viewers_favorites, all_favorited=viewer == favoriter, own_favorites=own_favorite
        )
    elif author_id is not None:
        key = listings.author_tag_key(author_id, tag) if tag is not None else listings.author_key(author_id)
        keys = [key]

        def own_article(card: Card) -> str | None:
            return key if tag is not None and card.author_id == author_id and tag in card.tags else None

        flags = Flags(viewer, viewers_favorites, own_articles=own_article)
    else:
        base = listings.site_base(tag)
        keys = listings.site_keys(base)

        def site_article(card: Card) -> str | None:
            return listings.site_key(base, card.article_id) if tag is None or tag in card.tags else None

        flags = Flags(viewer, viewers_favorites, own_articles=site_article)
    return reading.page(keys, paging, flags)


def feed(paging: Paging, viewer: str) -> tuple[list[ArticleView], Page]:
    """The reader's feed: their materialised feed merged with the newest articles of the
    celebrities they pull, and corrected by the follows and unfollows the worker has not
    carried into it yet (all named in the feed partition's head, read in the first round with
    its counter): a followed author's articles are merged as a pulled one's are, counted less
    those the worker has moved in already; an unfollowed author's are left out, and uncounted."""
    own = listings.feed_key(viewer)

    def extend(merge: Merge) -> list[Callable[[], None]]:
        heads = merge.head_items(own)
        pulled = set(listings.pulled_in(heads))
        pending = {a: p for a, p in mine.follows_in(heads).items() if a != viewer}
        merged = {a for a in pulled if a not in pending or pending[a].following}
        merged |= {a for a, p in pending.items() if p.following and a not in pulled}
        merge.excluded |= {a for a, p in pending.items() if not p.following}
        calls = merge.add([listings.author_key(a) for a in sorted(merged)], head=1)
        for author, follow in pending.items():
            if author in pulled:
                continue  # the pull marker says it all: the author's articles are not in the feed
            # the author's articles in the feed now, taken out; a follow's are merged instead
            merge.count(-follow.moved)
            if follow.filled:
                calls.append(lambda a=author: merge.count(-listings.read_counter(listings.author_key(a))))  # type: ignore[misc]
        return calls

    flags = Flags(viewer, listings.favorites_key(viewer), followed=True)
    return reading.page([own], paging, flags, head=listings.FEED_HEAD, extend=extend)
