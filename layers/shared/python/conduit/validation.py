"""Request bodies, declared once: each field's rules validate it and describe it as JSON Schema.

A body shape is a frozen dataclass whose fields carry their rules (`required`, `optional`,
`change`, `nullable`), registered with the wrapper key the body arrives in (`Shape`). Validating
reports every invalid field of a body at once, each with the first rule it breaks, in the
spec's `{"errors": {"field": ["message"]}}` shape; the OpenAPI document (`contract/`) is built
from the same declarations, so a limit cannot change in one place and not the other.

Why not pydantic or msgspec (measured in docs/architecture.md, "Request validation"): pydantic
costs about 75 ms of the first request that parses a body (its import and model building), the
largest single cost of a write's cold start; msgspec is cheap but stops at the first invalid
field, while the API reports all of them, and it has no place for our rules' order and
messages. This module imports only what every function has loaded already.
"""

from __future__ import annotations

import dataclasses
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from conduit.errors import ValidationFailed
from conduit.text import (
    HIDDEN_CLASS,
    multiline_text,
    nfc,
    plain_text,
    valid_text,
    visible_text,
    without_invisible,
)

BLANK = "can't be blank"
JsonSchema = dict[str, Any]

#: Unicode's White_Space characters: what trimming removes (the separators U+001C-U+001F,
#: which str.strip() also removes, are control characters here and refused as such).
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


class Invalid(ValueError):
    """A rule refused a value; the message is what the client reads after the field name."""


@dataclass(frozen=True)
class Step:
    """One rule of a text field: returns the value (perhaps changed), None to clear it, or
    raises `Invalid` or `ValueError`; `schema` is what it adds to the field's JSON Schema."""

    run: Callable[[str], str | None]
    schema: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def _strip(value: str) -> str:
    return value.strip(WHITE_SPACE)


#: Trim leading and trailing white space; the rules after it see the trimmed value.
STRIP = Step(_strip)
#: Refuse control characters (and invalid text).
PLAIN = Step(plain_text, {"pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"})
#: Refuse control characters other than line breaks and tabs.
MULTILINE = Step(
    multiline_text, {"pattern": "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"}
)
#: Lower-case the value.
LOWER = Step(str.lower)
#: Unicode's canonical composition (NFC): one form for what looks the same, before comparing.
NFC = Step(nfc)
#: Refuse bidirectional controls and zero-width characters (`conduit.text.invisible_positions`:
#: a zero-width (non-)joiner only where it joins nothing; the pattern says what it always is).
VISIBLE = Step(visible_text, {"pattern": f"^[^{HIDDEN_CLASS}]*$"})
#: Drop them instead: for running text (bodies, bios, comments), where refusing a pasted
#: paragraph for a character nobody can see would only puzzle its writer.
DROP_INVISIBLE = Step(without_invisible)
#: An empty value means none (frontends send "" for "no image"); only for nullable fields.
EMPTY_IS_NULL = Step(lambda value: value or None)


def length(minimum: int = 0, maximum: int | None = None) -> Step:
    """At least `minimum` and at most `maximum` characters (a minimum of 1 reads "can't be blank")."""

    def check(value: str) -> str:
        if len(value) < minimum:
            raise Invalid(BLANK if minimum == 1 else f"is too short (minimum is {minimum} characters)")
        if maximum is not None and len(value) > maximum:
            raise Invalid(f"is too long (maximum is {maximum} characters)")
        return value

    schema: JsonSchema = {"minLength": minimum} if minimum else {}
    if maximum is not None:
        schema["maxLength"] = maximum
    return Step(check, schema)


def matches(pattern: str, message: str) -> Step:
    """The whole value matches `pattern` (a regular expression JSON Schema can also read)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise Invalid(message)
        return value

    return Step(check, {"pattern": pattern})


def check(rule: Callable[[str], str]) -> Step:
    """A rule of our own: returns the value or raises `Invalid` with its message."""
    return Step(rule)


class Rule(ABC):
    """What a field's value must be; `type_message` is the answer to a value of the wrong type."""

    type_message: str

    @abstractmethod
    def validate(self, value: object) -> object:
        """The cleaned value; raises `FieldInvalid` with the field's messages."""

    @abstractmethod
    def json_schema(self) -> JsonSchema:
        """The value as JSON Schema, for the OpenAPI document."""


class FieldInvalid(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages)
        self.messages = messages


class Text(Rule):
    """A string, put through `steps` in order; the first step that refuses it names the error."""

    type_message = "must be a string"

    def __init__(self, *steps: Step, description: str | None = None) -> None:
        self.steps = steps
        self.description = description

    def validate(self, value: object) -> str | None:
        if not isinstance(value, str):
            raise FieldInvalid([self.type_message])
        try:
            valid_text(value)  # before any rule: a lone surrogate is no character to count
            cleaned: str | None = value
            for step in self.steps:
                if cleaned is None:  # cleared (EMPTY_IS_NULL): nothing left to check
                    break
                cleaned = step.run(cleaned)
        except ValueError as error:  # `Invalid`, or a ValueError from a shared text rule
            raise FieldInvalid([str(error)]) from None
        return cleaned

    def json_schema(self) -> JsonSchema:
        schema: JsonSchema = {"type": "string"}
        patterns = []
        for step in self.steps:
            schema.update({k: v for k, v in step.schema.items() if k != "pattern"})
            if "pattern" in step.schema:
                patterns.append({"pattern": step.schema["pattern"]})
        if len(patterns) == 1:
            schema.update(patterns[0])
        elif patterns:  # one keyword each: a value must match all of them
            schema["allOf"] = patterns
        if self.description:
            schema["description"] = self.description
        return schema


class TextList(Rule):
    """A list of strings, each put through `item`, then the whole list through `then`."""

    type_message = "must be a list"

    def __init__(
        self,
        item: Text,
        then: Callable[[list[str]], tuple[str, ...]],
        *,
        description: str | None = None,
    ) -> None:
        self.item = item
        self.then = then
        self.description = description

    def validate(self, value: object) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise FieldInvalid([self.type_message])
        items: list[str] = []
        messages: list[str] = []
        for entry in value:
            try:
                cleaned = self.item.validate(entry)
            except FieldInvalid as error:
                messages.extend(m for m in error.messages if m not in messages)
                continue
            assert cleaned is not None  # an item's steps never clear it
            items.append(cleaned)
        if messages:
            raise FieldInvalid(messages)
        try:
            return self.then(items)
        except ValueError as error:
            raise FieldInvalid([str(error)]) from None

    def json_schema(self) -> JsonSchema:
        schema: JsonSchema = {"type": "array", "items": self.item.json_schema()}
        if self.description:
            schema["description"] = self.description
        return schema


class Presence(Enum):
    """Whether a field may be left out, and what `null` means for it."""

    REQUIRED = "required"  # left out: "can't be blank"; null: the wrong type
    OPTIONAL = "optional"  # left out: its default; null: the wrong type
    CHANGE = "change"  # an update's field: left out, it stays; null: "can't be blank"
    NULLABLE = "nullable"  # left out, it stays; null clears it


@dataclass(frozen=True)
class Spec:
    """A body field's rule and presence, as its dataclass field's metadata carries them."""

    rule: Rule
    presence: Presence


_SPEC = "conduit.validation"
_SENT = "conduit.validation.sent"


def _field(rule: Rule, presence: Presence, **options: Any) -> Any:
    # Typed Any, as dataclasses.field is, so `username: str = required(USERNAME)` type-checks.
    return dataclasses.field(metadata={_SPEC: Spec(rule, presence)}, **options)


def required(rule: Rule) -> Any:
    """A field every body must carry."""
    return _field(rule, Presence.REQUIRED)


def optional(rule: Rule, default: object) -> Any:
    """A field a body may leave out, then `default` (immutable)."""
    return _field(rule, Presence.OPTIONAL, default=default)


def change(rule: Rule) -> Any:
    """An update's field: left out, the value stays; it cannot be cleared with null."""
    return _field(rule, Presence.CHANGE, default=None)


def nullable(rule: Rule) -> Any:
    """An update's field that null clears."""
    return _field(rule, Presence.NULLABLE, default=None)


def sent_fields() -> Any:
    """The names of the fields the body carried (an update changes only those)."""
    return dataclasses.field(default=frozenset(), metadata={_SENT: True})


BodyT = TypeVar("BodyT")


class Shape(Generic[BodyT]):
    """A request body: `{"<wrapper>": {...the fields of `body`...}}`.

    Unknown fields are ignored (clients send extras); strict types: a number where a string
    belongs is refused, never converted.
    """

    def __init__(self, wrapper: str, body: type[BodyT]) -> None:
        self.wrapper = wrapper
        self.body = body
        self.fields: dict[str, Spec] = {}
        self._sent: str | None = None
        for declared in dataclasses.fields(body):  # type: ignore[arg-type]
            if _SPEC in declared.metadata:
                self.fields[declared.name] = declared.metadata[_SPEC]
            elif _SENT in declared.metadata:
                self._sent = declared.name
            else:
                raise TypeError(f"{body.__name__}.{declared.name} declares no rule")

    def validate(self, document: Mapping[str, object]) -> BodyT:
        """The body's values, cleaned; a 422 naming every invalid field if any is."""
        values: dict[str, object] = {}
        errors: dict[str, list[str]] = {}
        sent: set[str] = set()
        for name, spec in self.fields.items():
            if name not in document:
                if spec.presence is Presence.REQUIRED:
                    errors[name] = [BLANK]
                continue
            sent.add(name)
            value = document[name]
            if value is None:
                if spec.presence is Presence.NULLABLE:
                    values[name] = None
                else:
                    errors[name] = [BLANK if spec.presence is Presence.CHANGE else spec.rule.type_message]
                continue
            try:
                values[name] = spec.rule.validate(value)
            except FieldInvalid as error:
                errors[name] = error.messages
        if errors:
            raise ValidationFailed(errors)
        if self._sent is not None:
            values[self._sent] = frozenset(sent)
        return self.body(**values)

    def json_schema(self) -> JsonSchema:
        """The body as JSON Schema (the wrapper object around the fields)."""
        properties: dict[str, JsonSchema] = {}
        for name, spec in self.fields.items():
            schema = spec.rule.json_schema()
            if spec.presence is Presence.NULLABLE:
                schema["type"] = [schema["type"], "null"]
            properties[name] = schema
        inner: JsonSchema = {"type": "object", "properties": properties}
        needed = self.required_fields()
        if needed:
            inner["required"] = list(needed)
        return {"type": "object", "required": [self.wrapper], "properties": {self.wrapper: inner}}

    def required_fields(self) -> Sequence[str]:
        """The fields every body must carry, in declaration order."""
        return [name for name, spec in self.fields.items() if spec.presence is Presence.REQUIRED]
