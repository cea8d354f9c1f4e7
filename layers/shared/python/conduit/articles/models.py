"""Request models for articles and comments, with their limits (documented in docs/api.md).

They load pydantic, so the functions that parse these bodies import them at their first
request, not at init (see `conduit.api.parsing`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints, field_validator

from conduit.models import StrictModel
from conduit.text import multiline_text, not_null, plain_text

TITLE_MAX = 200
DESCRIPTION_MAX = 1000
BODY_MAX = 50_000
TAG_MAX = 40
TAGS_MAX = 10  # an article is written with all its list entries in one transaction
COMMENT_MAX = 5000


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
