"""`conduit.validation`: how a declared body is checked and described (no HTTP needed).

The messages each endpoint answers are pinned through HTTP in tests/api; these pin the rules
every shape relies on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from conduit.errors import ValidationFailed
from conduit.validation import (
    EMPTY_IS_NULL,
    MULTILINE,
    PLAIN,
    STRIP,
    Shape,
    Text,
    TextList,
    change,
    length,
    matches,
    nullable,
    optional,
    required,
    sent_fields,
)

NAME = Text(STRIP, length(1, 5), matches(r"^[a-z]+$", "must be lower-case letters"))


@dataclass(frozen=True)
class Thing:
    name: str = required(NAME)
    tags: tuple[str, ...] = optional(TextList(Text(length(maximum=3)), tuple), default=())


@dataclass(frozen=True)
class ThingChanges:
    name: str | None = change(NAME)
    note: str | None = nullable(Text(STRIP, EMPTY_IS_NULL))
    sent: frozenset[str] = sent_fields()


THING = Shape("thing", Thing)
CHANGES = Shape("thing", ThingChanges)


def errors_of(shape: Shape[Any], document: dict[str, object]) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        shape.validate(document)
    return refused.value.errors


def test_every_invalid_field_is_reported_at_once_in_declaration_order() -> None:
    assert errors_of(THING, {"tags": ["long", 1]}) == {
        "name": ["can't be blank"],
        "tags": ["is too long (maximum is 3 characters)", "must be a string"],
    }


def test_the_first_rule_a_value_breaks_names_the_error() -> None:
    assert errors_of(THING, {"name": " ABCDEFG "}) == {"name": ["is too long (maximum is 5 characters)"]}


def test_rules_after_trimming_see_the_trimmed_value() -> None:
    assert THING.validate({"name": "\u3000abc\xa0"}).name == "abc"


def test_trimming_leaves_the_information_separators_to_the_text_rules() -> None:
    """U+001C-U+001F are white space to str.strip() but control characters to Unicode."""
    assert errors_of(THING, {"name": "abc\x1c"}) == {"name": ["must be lower-case letters"]}


def test_a_lone_surrogate_is_not_valid_text_whatever_the_field() -> None:
    assert errors_of(THING, {"name": "\ud83d", "tags": ["\udc00"]}) == {
        "name": ["is not valid text"],
        "tags": ["is not valid text"],
    }


def test_types_are_strict() -> None:
    assert errors_of(THING, {"name": 5, "tags": "a"}) == {
        "name": ["must be a string"],
        "tags": ["must be a list"],
    }


def test_null_is_the_wrong_type_for_a_required_or_optional_field() -> None:
    assert errors_of(THING, {"name": None, "tags": None}) == {
        "name": ["must be a string"],
        "tags": ["must be a list"],
    }


def test_an_optional_field_left_out_takes_its_default() -> None:
    assert THING.validate({"name": "abc"}) == Thing("abc", ())


def test_unknown_fields_are_ignored() -> None:
    assert THING.validate({"name": "abc", "admin": True}) == Thing("abc", ())


def test_an_update_field_cannot_be_cleared_with_null() -> None:
    assert errors_of(CHANGES, {"name": None}) == {"name": ["can't be blank"]}


def test_a_nullable_field_is_cleared_by_null_or_by_an_empty_value() -> None:
    assert CHANGES.validate({"note": None}) == ThingChanges(None, None, frozenset({"note"}))
    assert CHANGES.validate({"note": "  "}) == ThingChanges(None, None, frozenset({"note"}))


def test_an_update_knows_which_fields_were_sent() -> None:
    assert CHANGES.validate({"name": "abc"}).sent == {"name"}
    assert CHANGES.validate({}).sent == frozenset()


def test_a_field_without_a_rule_is_a_declaration_error() -> None:
    @dataclass(frozen=True)
    class Careless:
        name: str

    with pytest.raises(TypeError, match=r"Careless\.name declares no rule"):
        Shape("careless", Careless)


def test_the_json_schema_comes_from_the_same_rules() -> None:
    assert THING.json_schema() == {
        "type": "object",
        "required": ["thing"],
        "properties": {
            "thing": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "^[a-z]+$"},
                    "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                },
                "required": ["name"],
            }
        },
    }


def test_a_nullable_field_s_schema_admits_null_and_an_update_requires_nothing() -> None:
    inner = CHANGES.json_schema()["properties"]["thing"]

    assert inner["properties"]["note"] == {"type": ["string", "null"]}
    assert "required" not in inner


def test_the_control_character_rules_are_in_the_schema_too() -> None:
    plain = re.compile(Text(PLAIN).json_schema()["pattern"])
    multiline = re.compile(Text(MULTILINE).json_schema()["pattern"])

    assert plain.search("tab\tfree") is None
    assert multiline.search("line\nbreaks\tand tabs")
    assert multiline.search("a\x00b") is None


def test_several_patterns_must_all_match() -> None:
    schema = Text(PLAIN, matches("^[a-z]+$", "must be lower-case letters")).json_schema()

    assert schema["allOf"] == [{"pattern": PLAIN.schema["pattern"]}, {"pattern": "^[a-z]+$"}]
    assert "pattern" not in schema
