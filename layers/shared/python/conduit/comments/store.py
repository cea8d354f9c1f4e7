"""Data access for comments: the only code that touches the comments table."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError

from conduit.resources import COMMENTS
from conduit.storage import Record, retried, table_meta

#: An article's comments are read in one Query, and their authors in one BatchGetItem (at
#: most 100 keys); beyond this many only the newest are shown.
MAX_LISTED = 100


class CommentRecord(Record):
    Meta = table_meta(COMMENTS)

    article_id = UnicodeAttribute(hash_key=True, attr_name="articleId")
    comment_id = NumberAttribute(range_key=True, attr_name="commentId")
    author_id = UnicodeAttribute(attr_name="authorId")
    body = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")


@dataclass(frozen=True)
class Comment:
    article_id: str
    comment_id: int
    author_id: str
    body: str
    created_at: str
    updated_at: str


def _to_comment(record: CommentRecord) -> Comment:
    return Comment(
        article_id=record.article_id,
        comment_id=int(record.comment_id),
        author_id=record.author_id,
        body=record.body,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def add(comment: Comment) -> None:
    """Put a new comment. Its id is never given twice, so finding this very comment under it
    means a put whose reply was lost and that botocore sent again: it is done."""
    try:
        CommentRecord(
            comment.article_id,
            comment.comment_id,
            author_id=comment.author_id,
            body=comment.body,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
        ).save(condition=CommentRecord.article_id.does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        try:
            found = _to_comment(
                CommentRecord.get(comment.article_id, comment.comment_id, consistent_read=True)
            )
        except CommentRecord.DoesNotExist:
            raise error from None
        if found != comment:
            raise


def newest(article_id: str) -> list[Comment]:
    """An article's comments, newest first (one Query)."""
    records = CommentRecord.query(article_id, scan_index_forward=False, limit=MAX_LISTED)
    return [_to_comment(record) for record in records]


class NotTheAuthor(Exception):
    pass


def delete(article_id: str, comment_id: int, author_id: str) -> bool:
    """Delete a comment if `author_id` wrote it; False if there is no such comment."""
    try:
        CommentRecord(article_id, comment_id).delete(condition=CommentRecord.author_id == author_id)
    except DeleteError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        # The condition failed: either there is no such comment or someone else wrote it.
        try:
            CommentRecord.get(article_id, comment_id, attributes_to_get=["articleId"])
        except CommentRecord.DoesNotExist:
            # Gone after botocore sent the delete again: the first attempt, whose reply was
            # lost, deleted it.
            return retried(error)
        raise NotTheAuthor() from error
    return True


def all_ids(article_id: str) -> Iterator[int]:
    """Every comment id of an article (for clean-up after the article is deleted)."""
    for record in CommentRecord.query(article_id, attributes_to_get=["articleId", "commentId"]):
        yield int(record.comment_id)


def delete_all(article_id: str) -> int:
    with CommentRecord.batch_write() as batch:
        count = 0
        for comment_id in list(all_ids(article_id)):
            batch.delete(CommentRecord(article_id, comment_id))
            count += 1
    return count
