"""Request bodies into their declared shapes (`conduit.validation`), with errors in the spec's shape.

Every message is phrased the way RealWorld frontends display it: `<field> <message>`.
"""

from __future__ import annotations

from typing import TypeVar

from conduit import jsontext
from conduit.errors import ValidationFailed
from conduit.validation import Shape

#: Requests are small JSON documents; anything larger is refused before parsing.
MAX_BODY_BYTES = 64 * 1024

BodyT = TypeVar("BodyT")


def parse_body(body: str | None, shape: Shape[BodyT]) -> BodyT:
    """Parse `{"<wrapper>": {...}}` into `shape`'s body, or raise a 422 naming each bad field."""
    if body is None or not body.strip():
        raise ValidationFailed.on("body", "can't be blank")
    if len(body.encode()) > MAX_BODY_BYTES:
        raise ValidationFailed.on("body", f"is too large (maximum is {MAX_BODY_BYTES} bytes)")
    try:
        document = jsontext.loads(body)
    except jsontext.TooDeep as deep:
        raise ValidationFailed.on("body", str(deep)) from None
    except ValueError:
        raise ValidationFailed.on("body", "is not valid JSON") from None
    if not isinstance(document, dict) or shape.wrapper not in document:
        raise ValidationFailed.on(shape.wrapper, "can't be blank")
    inner = document[shape.wrapper]
    if not isinstance(inner, dict):
        raise ValidationFailed.on(shape.wrapper, "must be an object")
    return shape.validate(inner)
