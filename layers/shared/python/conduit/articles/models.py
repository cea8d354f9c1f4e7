"""Request models for articles and comments, and the list query, with their limits
(documented in docs/api.md)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, StringConstraints, field_validator

from conduit.errors import ValidationFailed
from conduit.models import StrictModel
from conduit.text import multiline_text, not_null, plain_text

TITLE_MAX = 200
DESCRIPTION_MAX = 1000
BODY_MAX = 50_000
TAG_MAX = 40
TAGS_MAX = 10  # an article is written with all its list entries in one transaction
COMMENT_MAX = 5000
LIMIT_DEFAULT = 20
LIMIT_MAX = 100


def _tags(tags: list[str]) -> tuple[str, ...]:
    """Trimmed, without blanks or duplicates, in alphabetical order."""
    cleaned = sorted({tag.strip() for tag in tags if tag.strip()})
    if len(cleaned) > TAGS_MAX:
        raise ValueError(f"has too many tags (maximum is {TAGS_MAX})")
    for tag in cleaned:
        if len(tag) > TAG_MAX:
            raise ValueError(f"has a tag that is too long (maximum is {TAG_MAX} characters)")
        plain_text(tag)
    return tuple(cleaned)


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX),
    AfterValidator(plain_text),
]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=DESCRIPTION_MAX),
    AfterValidator(multiline_text),
]
Body = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX),
    AfterValidator(multiline_text),
]
Tags = Annotated[list[Annotated[str, StringConstraints(max_length=TAG_MAX * 4)]], AfterValidator(_tags)]
CommentBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=COMMENT_MAX),
    AfterValidator(multiline_text),
]


class NewArticle(StrictModel):
    title: Title
    description: Description
    body: Body
    tagList: Tags = ()  # type: ignore[assignment]  # noqa: N815 - the spec's field name


class ArticleChanges(StrictModel):
    """The spec lets an update change title, description and body; tags stay as created."""

    title: Title | None = None
    description: Description | None = None
    body: Body | None = None

    _sent_values_are_not_null = field_validator("title", "description", "body", mode="before")(not_null)

    def sent(self) -> set[str]:
        return set(self.model_fields_set)


class NewComment(StrictModel):
    body: CommentBody


_DIGITS = re.compile(r"^[0-9]{1,9}$")  # ASCII only: str.isdigit() admits '²'


def _non_negative_int(name: str, raw: str | None, default: int, minimum: int, maximum: int | None) -> int:
    if raw is None:
        return default
    if not _DIGITS.match(raw):
        raise ValidationFailed.on(name, "must be a non-negative integer")
    value = int(raw)
    if value < minimum:
        raise ValidationFailed.on(name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ValidationFailed.on(name, f"must be at most {maximum}")
    return value


class Paging(BaseModel):
    limit: int
    offset: int
    cursor: str | None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Paging:
        return cls(
            limit=_non_negative_int("limit", query.get("limit"), LIMIT_DEFAULT, 1, LIMIT_MAX),
            offset=_non_negative_int("offset", query.get("offset"), 0, 0, None),
            cursor=query.get("cursor") or None,
        )
