"""Data access for articles, their bodies and their slugs: the only code that touches the
articles table.

An article is keyed by an id that never changes, so comments, favorites and list entries
never move; its slug is a claim item (`SLUG#<slug>` -> id), taken with a condition, so two
articles can never share one. Its body (up to 50,000 characters) is an item of its own
(`BODY#<id>`): list pages read the article items only, so a page costs the same whatever the
bodies' length, and only a single article's response reads the body. Creating and deleting
an article writes the article, its body, its claim and its entries and counters in every list
in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from conduit.listings import store as listings
from conduit.listings.store import Placement
from conduit.resources import ARTICLES
from conduit.storage import Record, Transaction, conflicted, table_meta

_ARTICLE = "ARTICLE#"
_SLUG = "SLUG#"
_BODY = "BODY#"


class SlugTaken(Exception):
    """Another article claimed the slug between our check and our write: pick the next one."""


class ConcurrentChange(Exception):
    """The article was renamed or deleted between our read and our write."""


def _condition_failed(error: TransactWriteError | UpdateError) -> bool:
    if isinstance(error, UpdateError):
        return error.cause_response_code == "ConditionalCheckFailedException"
    return conflicted(error)


class ArticleRecord(Record):
    Meta = table_meta(ARTICLES)

    pk = UnicodeAttribute(hash_key=True)
    article_id = UnicodeAttribute(attr_name="articleId")
    slug = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute()
    tag_list = ListAttribute(of=UnicodeAttribute, attr_name="tagList", default=list)
    author_id = UnicodeAttribute(attr_name="authorId")
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    favorites_count = NumberAttribute(attr_name="favoritesCount", default=0)
    comment_seq = NumberAttribute(attr_name="commentSeq", default=0)


class SlugClaim(Record):
    Meta = table_meta(ARTICLES)

    pk = UnicodeAttribute(hash_key=True)
    article_id = UnicodeAttribute(attr_name="articleId")


class BodyRecord(Record):
    """An article's body, apart from the article so that list pages never read it."""

    Meta = table_meta(ARTICLES)

    pk = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()


@dataclass(frozen=True)
class Article:
    """An article; `body` is None when it was not read (list pages read summaries only)."""

    article_id: str
    slug: str
    title: str
    description: str
    body: str | None
    tags: tuple[str, ...]
    author_id: str
    created_at: str
    updated_at: str
    favorites_count: int = 0

    @property
    def placement(self) -> Placement:
        return Placement(self.article_id, self.author_id, self.created_at)

    @property
    def lists(self) -> list[str]:
        return listings.article_lists(self.author_id, self.tags)


def _to_article(record: ArticleRecord) -> Article:
    return Article(
        article_id=record.article_id,
        slug=record.slug,
        title=record.title,
        description=record.description,
        body=None,
        tags=tuple(str(tag) for tag in record.tag_list or ()),
        author_id=record.author_id,
        created_at=record.created_at,
        updated_at=record.updated_at,
        favorites_count=int(record.favorites_count or 0),
    )


def _to_record(article: Article) -> ArticleRecord:
    return ArticleRecord(
        pk=_ARTICLE + article.article_id,
        article_id=article.article_id,
        slug=article.slug,
        title=article.title,
        description=article.description,
        tag_list=list(article.tags),
        author_id=article.author_id,
        created_at=article.created_at,
        updated_at=article.updated_at,
        favorites_count=article.favorites_count,
    )


def article_key(article_id: str) -> str:
    return _ARTICLE + article_id


def is_article_key(pk: str) -> bool:
    """Whether `pk` names an article item (not its body or a slug claim)."""
    return pk.startswith(_ARTICLE)


def _body_key(article_id: str) -> str:
    return _BODY + article_id


def body_record(article_id: str, body: str) -> BodyRecord:
    return BodyRecord(pk=_body_key(article_id), body=body)


def id_of_slug(slug: str) -> str | None:
    try:
        return SlugClaim.get(_SLUG + slug, consistent_read=True).article_id
    except SlugClaim.DoesNotExist:
        return None


def get(article_id: str) -> Article | None:
    """The article without its body (see `body_of`)."""
    try:
        return _to_article(ArticleRecord.get(_ARTICLE + article_id, consistent_read=True))
    except ArticleRecord.DoesNotExist:
        return None


def body_of(article_id: str) -> str | None:
    """The article's body; None if the article is gone."""
    try:
        return BodyRecord.get(_body_key(article_id), consistent_read=True).body
    except BodyRecord.DoesNotExist:
        return None


def get_by_slug(slug: str) -> Article | None:
    article_id = id_of_slug(slug)
    return get(article_id) if article_id else None


def get_many(article_ids: Iterable[str]) -> dict[str, Article]:
    """The articles that exist among `article_ids`, without their bodies (one BatchGetItem)."""
    keys = [_ARTICLE + article_id for article_id in dict.fromkeys(article_ids)]
    return {r.article_id: _to_article(r) for r in ArticleRecord.batch_get(keys)} if keys else {}


def free_slugs(candidates: list[str]) -> list[str]:
    """Which candidate slugs no article holds (one BatchGetItem)."""
    taken = {claim.pk[len(_SLUG) :] for claim in SlugClaim.batch_get([_SLUG + slug for slug in candidates])}
    return [slug for slug in candidates if slug not in taken]


def _slug_conflict(error: TransactWriteError, slug: str, article_id: str) -> bool:
    return _condition_failed(error) and id_of_slug(slug) not in (None, article_id)


def create(article: Article) -> Article:
    """Write the article, its body, its slug claim and its place in every list, all or nothing.
    Returns what is stored: the article, or the one this author already wrote under this id
    (a repeated request whose first attempt was written: its id came from the request)."""
    if article.body is None:
        raise ValueError("a new article needs its body")
    try:
        with Transaction() as transaction:
            transaction.save(_to_record(article), condition=ArticleRecord.pk.does_not_exist())
            transaction.save(body_record(article.article_id, article.body))
            claim = SlugClaim(pk=_SLUG + article.slug, article_id=article.article_id)
            transaction.save(claim, condition=SlugClaim.pk.does_not_exist())
            listings.add(transaction, article.lists, article.placement)
    except TransactWriteError as error:
        if _condition_failed(error):
            existing = get(article.article_id)
            if existing is not None and existing.author_id == article.author_id:
                return replace(existing, body=body_of(article.article_id))
        if _slug_conflict(error, article.slug, article.article_id):
            raise SlugTaken(article.slug) from error
        raise
    return article


def update(before: Article, after: Article) -> None:
    """Save changed text. A new body (`after.body` not None and not `before.body`) and a new
    slug are written in a transaction with the article, whose condition (still there, slug
    unchanged) covers them all. The old claim is deleted only if still ours, so of two
    concurrent renames exactly one commits."""
    actions: list[Action] = [
        ArticleRecord.title.set(after.title),
        ArticleRecord.description.set(after.description),
        ArticleRecord.slug.set(after.slug),
        ArticleRecord.updated_at.set(after.updated_at),
    ]
    condition = ArticleRecord.slug == before.slug
    new_body = after.body if after.body is not None and after.body != before.body else None
    if after.slug == before.slug and new_body is None:
        try:
            ArticleRecord(pk=_ARTICLE + after.article_id).update(actions=actions, condition=condition)
        except UpdateError as error:
            if _condition_failed(error):
                raise ConcurrentChange(after.article_id) from error
            raise
        return
    try:
        with Transaction() as transaction:
            transaction.update(
                ArticleRecord(pk=_ARTICLE + after.article_id), actions=actions, condition=condition
            )
            if new_body is not None:
                transaction.save(body_record(after.article_id, new_body))
            if after.slug != before.slug:
                claim = SlugClaim(pk=_SLUG + after.slug, article_id=after.article_id)
                transaction.save(claim, condition=SlugClaim.pk.does_not_exist())
                stale = SlugClaim(pk=_SLUG + before.slug, article_id=after.article_id)
                transaction.delete(stale, condition=SlugClaim.article_id == after.article_id)
    except TransactWriteError as error:
        if _slug_conflict(error, after.slug, after.article_id):
            raise SlugTaken(after.slug) from error
        if _condition_failed(error):
            raise ConcurrentChange(after.article_id) from error
        raise


def delete(article: Article) -> None:
    """Remove the article, its body, its claim and its place in the lists it was created in, at
    once. Its comments, favorites and feed entries follow through the stream worker."""
    with Transaction() as transaction:
        transaction.delete(_to_record(article), condition=ArticleRecord.pk.exists())
        transaction.delete(BodyRecord(pk=_body_key(article.article_id)))
        claim = SlugClaim(pk=_SLUG + article.slug, article_id=article.article_id)
        transaction.delete(claim, condition=SlugClaim.article_id == article.article_id)
        listings.remove(transaction, article.lists, article.placement)


def next_comment_id(article_id: str) -> int | None:
    """Take the article's next comment id (1, 2, ...); None if the article is gone."""
    record = ArticleRecord(pk=_ARTICLE + article_id)
    try:
        record.update(actions=[ArticleRecord.comment_seq.add(1)], condition=ArticleRecord.pk.exists())
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return int(record.comment_seq)
