"""Data access for articles, their bodies and their slugs: the only code that touches the
articles table.

An article is keyed by an id that never changes, so comments, favorites and list entries
never move; its slug is a claim item (`SLUG#<slug>` -> id), taken with a condition, so two
articles can never share one. Its body (up to 50,000 characters) is an item of its own
(`BODY#<id>`): pages read cards, never bodies. The article item is the source of every copy
of its card (list and feed entries): it carries its author's card and `favoritesCount`, and a
`version` that grows with every change, so the stream worker can copy it without ever
putting an older card over a newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from conduit.cards import Author, Card
from conduit.resources import ARTICLES
from conduit.storage import Record, author_copy_update, conflicted, table_meta, transact

_ARTICLE = "ARTICLE#"
_SLUG = "SLUG#"
_BODY = "BODY#"

#: Other stores' items written in the same transaction as an article (its author's list entry).
Also = Callable[[TransactWrite], None]


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
    author_name = UnicodeAttribute(attr_name="authorName")
    author_bio = UnicodeAttribute(attr_name="authorBio", null=True)
    author_image = UnicodeAttribute(attr_name="authorImage", null=True)
    author_version = NumberAttribute(attr_name="authorVersion", default=0)
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    favorites_count = NumberAttribute(attr_name="favoritesCount", default=0)
    #: The sum of the count items' update counts the count was taken at (see favorites).
    count_version = NumberAttribute(attr_name="countVersion", default=0)
    comment_seq = NumberAttribute(attr_name="commentSeq", default=0)
    version = NumberAttribute(default=1)


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
class Article(Card):
    """An article; `body` is None when it was not read (pages read cards only). A new
    article's card is version 1."""

    version: int = 1
    body: str | None = None


def _to_article(record: ArticleRecord) -> Article:
    stored = ArticleRecord.get_attributes().items()
    return article_of({attribute.attr_name: getattr(record, name) for name, attribute in stored})


def article_of(image: Mapping[str, Any]) -> Article:
    """The article an item's attributes describe (a record's, or a stream image's)."""
    author = Author(
        str(image["authorId"]),
        str(image["authorName"]),
        image.get("authorBio"),
        image.get("authorImage"),
        int(image.get("authorVersion") or 0),
    )
    return Article(
        article_id=str(image["articleId"]),
        slug=str(image["slug"]),
        title=str(image["title"]),
        description=str(image["description"]),
        tags=tuple(str(tag) for tag in image.get("tagList") or ()),
        author=author,
        created_at=str(image["createdAt"]),
        updated_at=str(image["updatedAt"]),
        favorites_count=int(image.get("favoritesCount") or 0),
        version=int(image.get("version", 1)),
    )


def _to_record(article: Article) -> ArticleRecord:
    author = article.author
    return ArticleRecord(
        pk=_article_key(article.article_id),
        article_id=article.article_id,
        slug=article.slug,
        title=article.title,
        description=article.description,
        tag_list=list(article.tags),
        author_id=author.user_id,
        author_name=author.username,
        author_bio=author.bio,
        author_image=author.image,
        author_version=author.version,
        created_at=article.created_at,
        updated_at=article.updated_at,
        favorites_count=article.favorites_count,
        version=article.version,
    )


def record_attributes(article: Article) -> dict[str, Any]:
    """The article item as stored (the bench loads its dataset from these)."""
    return dict(_to_record(article).serialize())


def _article_key(article_id: str) -> str:
    return _ARTICLE + article_id


def is_article_key(pk: str) -> bool:
    """Whether `pk` names an article item (not its body or a slug claim)."""
    return pk.startswith(_ARTICLE)


def _body_key(article_id: str) -> str:
    return _BODY + article_id


def body_record(article_id: str, body: str) -> BodyRecord:
    return BodyRecord(pk=_body_key(article_id), body=body)


def slug_claim(slug: str, article_id: str) -> SlugClaim:
    return SlugClaim(pk=_SLUG + slug, article_id=article_id)


def id_of_slug(slug: str) -> str | None:
    try:
        return SlugClaim.get(_SLUG + slug, consistent_read=True).article_id
    except SlugClaim.DoesNotExist:
        return None


def get(article_id: str) -> Article | None:
    """The article without its body (see `body_of`)."""
    try:
        return _to_article(ArticleRecord.get(_article_key(article_id), consistent_read=True))
    except ArticleRecord.DoesNotExist:
        return None


def body_of(article_id: str) -> str | None:
    """The article's body; None if the article is gone."""
    try:
        return BodyRecord.get(_body_key(article_id), consistent_read=True).body
    except BodyRecord.DoesNotExist:
        return None


def bodies_of(article_ids: Iterable[str]) -> dict[str, str]:
    """The bodies of the articles that exist among `article_ids` (one BatchGetItem)."""
    keys = [_body_key(article_id) for article_id in dict.fromkeys(article_ids)]
    return {r.pk[len(_BODY) :]: r.body for r in BodyRecord.batch_get(keys)} if keys else {}


def get_by_slug(slug: str) -> Article | None:
    article_id = id_of_slug(slug)
    return get(article_id) if article_id else None


def get_many(article_ids: Iterable[str]) -> dict[str, Article]:
    """The articles that exist among `article_ids`, without their bodies (one BatchGetItem)."""
    keys = [_article_key(article_id) for article_id in dict.fromkeys(article_ids)]
    return {r.article_id: _to_article(r) for r in ArticleRecord.batch_get(keys)} if keys else {}


def free_slugs(candidates: list[str]) -> list[str]:
    """Which candidate slugs no article holds (one BatchGetItem)."""
    taken = {claim.pk[len(_SLUG) :] for claim in SlugClaim.batch_get([_SLUG + slug for slug in candidates])}
    return [slug for slug in candidates if slug not in taken]


def _slug_conflict(error: TransactWriteError, slug: str, article_id: str) -> bool:
    return _condition_failed(error) and id_of_slug(slug) not in (None, article_id)


def create(article: Article, also: Also | None = None) -> Article:
    """Write the article, its body and its slug claim, with `also` (the author's list entry),
    all or nothing. Returns what is stored: the article, or the one this author already wrote
    under this id (a repeated request whose first attempt was written: its id came from the
    request's Idempotency-Key). Nothing is written twice: a repeat fails the article's condition.
    """
    if article.body is None:
        raise ValueError("a new article needs its body")
    body = article.body

    def write(transaction: TransactWrite) -> None:
        transaction.save(_to_record(article), condition=ArticleRecord.pk.does_not_exist())
        transaction.save(body_record(article.article_id, body))
        transaction.save(
            slug_claim(article.slug, article.article_id), condition=SlugClaim.pk.does_not_exist()
        )
        if also is not None:
            also(transaction)

    try:
        transact(write)
    except TransactWriteError as error:
        if _condition_failed(error):
            existing = get(article.article_id)
            if existing is not None and existing.author_id == article.author_id:
                return replace(existing, body=body_of(article.article_id))
        if _slug_conflict(error, article.slug, article.article_id):
            raise SlugTaken(article.slug) from error
        raise
    return article


def update(before: Article, after: Article, also: Also | None = None) -> None:
    """Save changed text, with `also` (the author's record of the edit). A new body
    (`after.body` not None and not `before.body`) and a new slug are written in the same
    transaction, whose condition on the article (still there, slug unchanged) covers them all.
    The old claim is deleted only if still ours, so of two concurrent renames exactly one
    commits. A repeat writes the same text again (under a higher version: copies still
    converge on it)."""
    actions: list[Action] = [
        ArticleRecord.title.set(after.title),
        ArticleRecord.description.set(after.description),
        ArticleRecord.slug.set(after.slug),
        ArticleRecord.updated_at.set(after.updated_at),
        ArticleRecord.version.add(1),
    ]
    condition = ArticleRecord.slug == before.slug
    new_body = after.body if after.body is not None and after.body != before.body else None
    if after.slug == before.slug and new_body is None and also is None:
        try:
            ArticleRecord(pk=_article_key(after.article_id)).update(actions=actions, condition=condition)
        except UpdateError as error:
            if _condition_failed(error):
                raise ConcurrentChange(after.article_id) from error
            raise
        return

    def write(transaction: TransactWrite) -> None:
        transaction.update(
            ArticleRecord(pk=_article_key(after.article_id)), actions=actions, condition=condition
        )
        if new_body is not None:
            transaction.save(body_record(after.article_id, new_body))
        if after.slug != before.slug:
            claim = slug_claim(after.slug, after.article_id)
            transaction.save(claim, condition=SlugClaim.pk.does_not_exist())
            stale = slug_claim(before.slug, after.article_id)
            transaction.delete(stale, condition=SlugClaim.article_id == after.article_id)
        if also is not None:
            also(transaction)

    try:
        transact(write)
    except TransactWriteError as error:
        if _slug_conflict(error, after.slug, after.article_id):
            raise SlugTaken(after.slug) from error
        if _condition_failed(error):
            raise ConcurrentChange(after.article_id) from error
        raise


def delete(article: Article, also: Also | None = None) -> None:
    """Remove the article, its body and its claim, with `also` (the author's list entry), at
    once. Everything else follows through the stream worker."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(_to_record(article), condition=ArticleRecord.pk.exists())
        transaction.delete(BodyRecord(pk=_body_key(article.article_id)))
        claim = slug_claim(article.slug, article.article_id)
        transaction.delete(claim, condition=SlugClaim.article_id == article.article_id)
        if also is not None:
            also(transaction)

    transact(write)


def discard(article: Article) -> None:
    """Remove an article and its body whatever its claim and entry say (an account's deletion,
    when they were not as written with it); removing it twice is removing it once."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(_to_record(article), condition=ArticleRecord.pk.exists())
        transaction.delete(BodyRecord(pk=_body_key(article.article_id)))

    try:
        transact(write)
    except TransactWriteError as error:
        if not _condition_failed(error):
            raise


def _guarded_update(article_id: str, actions: list[Action], condition: Any) -> Article | None:
    """The article as stored after the update, or after whatever made the condition fail (None
    if it is gone): the stream worker copies it on (a repeat copies it again, a no-op)."""
    record = ArticleRecord(pk=_article_key(article_id))
    try:
        record.update(actions=actions, condition=ArticleRecord.pk.exists() & condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return get(article_id)
        raise
    return _to_article(record)  # PynamoDB sets the item's new attributes on the record


def set_favorites_count(article_id: str, count: int, count_version: int) -> Article | None:
    """Show a favorites count taken at `count_version` (see `conduit.favorites.store.count`);
    returns the article as stored.

    Why a repeat is harmless: the write is conditional on an older `countVersion`, which only
    grows, so a repeated or late write of a count already shown (or older) changes nothing."""
    older = ArticleRecord.count_version.does_not_exist() | (ArticleRecord.count_version < count_version)
    actions: list[Action] = [
        ArticleRecord.favorites_count.set(count),
        ArticleRecord.count_version.set(count_version),
        ArticleRecord.version.add(1),
    ]
    return _guarded_update(article_id, actions, older)


def set_author(article_id: str, author: Author) -> Article | None:
    """Show the author's card as of their profile's `version` (a repeat, or an older card, is
    refused by the condition); returns the article as stored."""
    actions, older = author_copy_update(ArticleRecord, author)
    return _guarded_update(article_id, [*actions, ArticleRecord.version.add(1)], older)


def reserve_comment_ids(article_id: str, count: int) -> range | None:
    """Take the article's next `count` comment ids; None if the article is gone.

    A repeat (a retried call whose reply was lost) takes another block: the first one is never
    used, so ids may skip but are never handed out twice."""
    record = ArticleRecord(pk=_article_key(article_id))
    try:
        record.update(actions=[ArticleRecord.comment_seq.add(count)], condition=ArticleRecord.pk.exists())
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    last = int(record.comment_seq)
    return range(last - count + 1, last + 1)


#: Attributes an edit changes on the article's card. Its count and its author's card change
#: on it too, but the worker steps that set them copy the card on themselves (favorites, profiles).
EDITED_ATTRIBUTES = ("slug", "title", "description", "updatedAt")
