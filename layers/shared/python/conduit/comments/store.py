"""Data access for comments: the only code that touches the comments table.

An article's comments live in `SHARDING.comments` partitions (`<articleId>#<id mod shards>`),
so one article's comments spread their writes over several partitions; the newest are read
from all of them side by side. Each comment carries its author's card (kept current by the
stream worker through the `byAuthor` index when the profile changes).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.transactions import TransactWrite

from conduit.cards import Author
from conduit.resources import COMMENTS, SHARDING
from conduit.storage import (
    Record,
    author_copy_update,
    conflicted,
    copied_author,
    each,
    retried,
    share,
    table_meta,
    transact,
)

#: An article's comments are read newest first; beyond this many only the newest are shown.
MAX_LISTED = 100


class ByAuthor(GlobalSecondaryIndex["CommentRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = COMMENTS.index("byAuthor").name
        projection = KeysOnlyProjection()

    author_id = UnicodeAttribute(hash_key=True, attr_name="authorId")
    comment_id = NumberAttribute(range_key=True, attr_name="commentId")


class CommentRecord(Record):
    Meta = table_meta(COMMENTS)

    thread = UnicodeAttribute(hash_key=True)
    comment_id = NumberAttribute(range_key=True, attr_name="commentId")
    article_id = UnicodeAttribute(attr_name="articleId")
    author_id = UnicodeAttribute(attr_name="authorId")
    author_name = UnicodeAttribute(attr_name="authorName")
    author_bio = UnicodeAttribute(attr_name="authorBio", null=True)
    author_image = UnicodeAttribute(attr_name="authorImage", null=True)
    author_version = NumberAttribute(attr_name="authorVersion", default=0)
    body = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    #: Which request wrote it: a retried put that finds its own comment succeeded.
    token = UnicodeAttribute()
    by_author = ByAuthor()


@dataclass(frozen=True)
class Comment:
    article_id: str
    comment_id: int
    author: Author
    body: str
    created_at: str
    updated_at: str


class IdTaken(Exception):
    """Another comment holds this id (never expected: ids are handed out once)."""


def thread_of(article_id: str, comment_id: int) -> str:
    return f"{article_id}#{comment_id % SHARDING.comments}"


def _threads(article_id: str) -> list[str]:
    return [f"{article_id}#{shard}" for shard in range(SHARDING.comments)]


def _to_comment(record: CommentRecord) -> Comment:
    return Comment(
        article_id=record.article_id,
        comment_id=int(record.comment_id),
        author=copied_author(record, record.author_id),
        body=record.body,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def comment_record(comment: Comment, token: str) -> CommentRecord:
    author = comment.author
    return CommentRecord(
        thread_of(comment.article_id, comment.comment_id),
        comment.comment_id,
        article_id=comment.article_id,
        author_id=author.user_id,
        author_name=author.username,
        author_bio=author.bio,
        author_image=author.image,
        author_version=author.version,
        body=comment.body,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        token=token,
    )


Also = Callable[[TransactWrite], None]


def add(comment: Comment, token: str, also: Also) -> None:
    """Put the comment only if its id is free, with `also` (its writer's record of it), in one
    transaction. A repeat that finds the comment it wrote, with its own `token` (a request
    sent again after a reply was lost), is success, not a clash."""
    record = comment_record(comment, token)

    def write(transaction: TransactWrite) -> None:
        transaction.save(record, condition=CommentRecord.thread.does_not_exist())
        also(transaction)

    try:
        transact(write)
    except TransactWriteError as error:
        if not conflicted(error):
            raise
        try:
            found = CommentRecord.get(record.thread, record.comment_id, consistent_read=True)
        except CommentRecord.DoesNotExist:
            raise IdTaken(comment.comment_id) from error  # deleted since: the id was used
        if found.token != token:
            raise IdTaken(comment.comment_id) from error


@dataclass
class Newest:
    """An article's newest comments from all its partitions, in two rounds at most (as
    `conduit.listings.store.Merge` does for lists)."""

    article_id: str
    read: dict[str, list[CommentRecord]] = field(default_factory=dict)
    exhausted: set[str] = field(default_factory=set)

    def first_calls(self) -> list[Callable[[], None]]:
        per_thread = share(MAX_LISTED, SHARDING.comments)
        return [self._reader(thread, per_thread) for thread in _threads(self.article_id)]

    def _reader(self, thread: str, limit: int, below: int | None = None) -> Callable[[], None]:
        def read() -> None:
            condition = CommentRecord.comment_id < below if below is not None else None
            items = list(CommentRecord.query(thread, condition, scan_index_forward=False, limit=limit))
            self.read[thread] = self.read.get(thread, []) + items
            if len(items) < limit or below is not None:
                self.exhausted.add(thread)

        return read

    def _merged(self) -> list[CommentRecord]:
        return list(heapq.merge(*self.read.values(), key=lambda r: int(r.comment_id), reverse=True))

    def more_calls(self) -> list[Callable[[], None]]:
        merged = self._merged()
        cut = int(merged[MAX_LISTED - 1].comment_id) if len(merged) >= MAX_LISTED else None
        calls = []
        for thread, items in self.read.items():
            lowest = int(items[-1].comment_id) if items else None
            if thread in self.exhausted or lowest is None or (cut is not None and lowest <= cut):
                continue
            calls.append(self._reader(thread, MAX_LISTED - len(items), below=lowest))
        return calls

    def comments(self) -> list[Comment]:
        return [_to_comment(record) for record in self._merged()[:MAX_LISTED]]


class NotTheAuthor(Exception):
    pass


def get(article_id: str, comment_id: int) -> Comment | None:
    """One comment, read consistently (its writer's, just written)."""
    try:
        return _to_comment(
            CommentRecord.get(thread_of(article_id, comment_id), comment_id, consistent_read=True)
        )
    except CommentRecord.DoesNotExist:
        return None


def delete(article_id: str, comment_id: int, author_id: str, also: Also) -> bool:
    """Delete a comment if `author_id` wrote it, with `also` (their record of it), in one
    transaction; False if there is no such comment."""
    thread = thread_of(article_id, comment_id)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(CommentRecord(thread, comment_id), condition=CommentRecord.author_id == author_id)
        also(transaction)

    try:
        transact(write)
    except TransactWriteError as error:
        if not conflicted(error):
            raise
        # The condition failed: either there is no such comment or someone else wrote it.
        try:
            CommentRecord.get(thread, comment_id, attributes_to_get=["thread"])
        except CommentRecord.DoesNotExist:
            # Gone after botocore sent the delete again: the first attempt, whose reply was
            # lost, deleted it.
            return retried(error)
        raise NotTheAuthor() from error
    return True


def _keys(article_id: str) -> Iterator[tuple[str, int]]:
    for thread in _threads(article_id):
        for record in CommentRecord.query(thread, attributes_to_get=["thread", "commentId"]):
            yield thread, int(record.comment_id)


def delete_all(article_id: str) -> int:
    """Delete every comment of a (deleted) article; returns how many."""
    keys = list(_keys(article_id))
    with CommentRecord.batch_write() as batch:
        for thread, comment_id in keys:
            batch.delete(CommentRecord(thread, comment_id))
    return len(keys)


def by_author(author_id: str) -> Iterator[tuple[str, int]]:
    """The keys of every comment a user wrote (the `byAuthor` index; for the stream worker)."""
    for record in CommentRecord.by_author.query(author_id):
        yield record.thread, int(record.comment_id)


def by_author_page(
    author_id: str, start: dict[str, Any] | None, limit: int
) -> tuple[list[tuple[str, int]], dict[str, Any] | None]:
    """The keys of up to `limit` of a user's comments from `start` (the previous page's
    `LastEvaluatedKey`), and where the next page starts (None: that was the last). For deleting
    their account: the index is eventually consistent, so pages are read past what was deleted,
    and ids repeat across articles, so the index's own key is the cursor."""
    records = CommentRecord.by_author.query(author_id, limit=limit, last_evaluated_key=start)
    keys = [(record.thread, int(record.comment_id)) for record in records]
    return keys, records.last_evaluated_key


def delete_keys(keys: Iterable[tuple[str, int]]) -> None:
    """Delete these comments (deleting one already gone is deleting it)."""
    with CommentRecord.batch_write() as batch:
        for thread, comment_id in keys:
            batch.delete(CommentRecord(thread, comment_id))


def set_author(keys: Iterable[tuple[str, int]], author: Author) -> None:
    """Show the author's newer card on these comments; an older card (a repeat, a late
    record) is refused by the condition."""

    def update(key: tuple[str, int]) -> None:
        actions, older = author_copy_update(CommentRecord, author)
        try:
            CommentRecord(*key).update(actions=actions, condition=CommentRecord.thread.exists() & older)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    each(update, list(keys))
