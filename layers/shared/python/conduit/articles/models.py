"""Request bodies for articles and comments, with their limits (documented in docs/api.md).

Declared with `conduit.validation`, which also turns them into the OpenAPI document's request
schemas."""

from __future__ import annotations

from dataclasses import dataclass

from conduit.text import plain_text
from conduit.validation import (
    DROP_INVISIBLE,
    MULTILINE,
    NFC,
    PLAIN,
    STRIP,
    VISIBLE,
    Invalid,
    Shape,
    Text,
    TextList,
    change,
    length,
    optional,
    required,
    sent_fields,
)

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
        raise Invalid(f"has too many tags (maximum is {TAGS_MAX})")
    for tag in cleaned:
        if len(tag) > TAG_MAX:
            raise Invalid(f"has a tag that is too long (maximum is {TAG_MAX} characters)")
        plain_text(tag)
    return tuple(cleaned)


TITLE = Text(
    STRIP,
    length(1, TITLE_MAX),
    PLAIN,
    VISIBLE,
    description="Trimmed; no bidirectional controls or zero-width characters; the slug is made from it.",
)
_RUNNING = "invisible characters (bidirectional controls, zero-width characters) dropped"
DESCRIPTION = Text(
    DROP_INVISIBLE, STRIP, length(1, DESCRIPTION_MAX), MULTILINE, description=f"Trimmed; {_RUNNING}."
)
BODY = Text(
    DROP_INVISIBLE,
    STRIP,
    length(1, BODY_MAX),
    MULTILINE,
    description=f"Trimmed (Markdown, as the client wrote it); {_RUNNING}.",
)
TAGS = TextList(
    # A generous bound on each raw entry before trimming; the tag limit applies after it.
    Text(length(maximum=TAG_MAX * 4), VISIBLE, NFC),
    _tags,
    description=f"At most {TAGS_MAX} tags of at most {TAG_MAX} characters once trimmed; blanks and "
    "duplicates are dropped and the list is sorted. NFC-normalised, case-sensitive; no "
    "bidirectional controls or zero-width characters.",
)
COMMENT_BODY = Text(
    DROP_INVISIBLE, STRIP, length(1, COMMENT_MAX), MULTILINE, description=f"Trimmed; {_RUNNING}."
)


@dataclass(frozen=True)
class NewArticle:
    title: str = required(TITLE)
    description: str = required(DESCRIPTION)
    body: str = required(BODY)
    tagList: tuple[str, ...] = optional(TAGS, default=())  # noqa: N815 - the spec's field name


@dataclass(frozen=True)
class ArticleChanges:
    """The spec lets an update change title, description and body; tags stay as created."""

    title: str | None = change(TITLE)
    description: str | None = change(DESCRIPTION)
    body: str | None = change(BODY)
    sent: frozenset[str] = sent_fields()


@dataclass(frozen=True)
class NewComment:
    body: str = required(COMMENT_BODY)


NEW_ARTICLE = Shape("article", NewArticle)
ARTICLE_CHANGES = Shape("article", ArticleChanges)
NEW_COMMENT = Shape("comment", NewComment)
