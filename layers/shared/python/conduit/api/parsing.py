"""Request bodies into validated Pydantic models, with errors in the spec's shape.

Every message is phrased the way RealWorld frontends display it: `<field> <message>`.

Importing pydantic and building models costs more than the whole cold-start budget allows, and
most functions never parse a body. So nothing here imports pydantic at module level, and the
functions that parse a body import their request model inside the view: pydantic loads at their
first request, and the functions that only read never load it (bench/coldstart.py measures both).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

from conduit.errors import ValidationFailed

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

#: Requests are small JSON documents; anything larger is refused before parsing.
MAX_BODY_BYTES = 64 * 1024

ModelT = TypeVar("ModelT", bound="BaseModel")


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "can't be blank"
    if kind == "string_too_short":
        return f"is too short (minimum is {ctx['min_length']} characters)"
    if kind == "string_too_long":
        return f"is too long (maximum is {ctx['max_length']} characters)"
    if kind == "too_long":
        return f"has too many items (maximum is {ctx['max_length']})"
    if kind == "string_type":
        return "must be a string"
    if kind == "list_type":
        return "must be a list"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be an object"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def validation_errors(error: ValidationError, root: str) -> ValidationFailed:
    errors: dict[str, list[str]] = {}
    for detail in error.errors():
        field = str(detail["loc"][0]) if detail["loc"] else root
        messages = errors.setdefault(field, [])
        message = _message(detail)
        if message not in messages:
            messages.append(message)
    return ValidationFailed(errors)


def parse_body(body: str | None, wrapper: str, model: type[ModelT]) -> ModelT:
    """Parse `{"<wrapper>": {...}}` into `model`, or raise a 422 naming each bad field."""
    if body is None or not body.strip():
        raise ValidationFailed.on("body", "can't be blank")
    if len(body.encode()) > MAX_BODY_BYTES:
        raise ValidationFailed.on("body", f"is too large (maximum is {MAX_BODY_BYTES} bytes)")
    try:
        document = json.loads(body)
    except ValueError:
        raise ValidationFailed.on("body", "is not valid JSON") from None
    if not isinstance(document, dict) or wrapper not in document:
        raise ValidationFailed.on(wrapper, "can't be blank")
    inner = document[wrapper]
    if not isinstance(inner, dict):
        raise ValidationFailed.on(wrapper, "must be an object")
    from pydantic import ValidationError  # loaded already: `model` is a pydantic model

    try:
        return model.model_validate(inner)
    except ValidationError as error:
        raise validation_errors(error, wrapper) from None
