"""The text rules of conduit.text and the request shapes that use them (no emulator)."""

from __future__ import annotations

import pytest

from conduit.articles.models import NEW_ARTICLE
from conduit.errors import ValidationFailed
from conduit.text import invisible_positions, nfc, without_invisible
from conduit.users.models import LOGIN_USER, NEW_USER, USER_CHANGES

INVISIBLE = "can't contain invisible characters (bidirectional controls or zero-width characters)"


@pytest.mark.parametrize(
    ("text", "positions"),
    [
        ("plain", []),
        ("\u202eevil", [0]),
        ("ad\u200cmin", [2]),  # joins nothing between Latin letters
        ("ad\u200dmin", [2]),
        ("\u200dx", [0]),  # at an edge
        ("x\u200c", [1]),
        ("a \u200d b", [2]),  # beside a space
        ("\u200b\u200d\U0001f308", [0, 1]),  # beside another invisible character
        ("\u0645\u06cc\u200c\u062e\u0648", []),  # Persian: a non-joiner between Arabic letters
        ("\u0915\u094d\u200d\u0937", []),  # after a virama
        ("\U0001f469\u200d\U0001f4bb", []),  # an emoji ZWJ sequence
        ("\U0001f44d\U0001f3fd\u200d\u2642\ufe0f", []),  # after a skin tone
        ("\U0001f3f3\ufe0f\u200d\U0001f308", []),  # after the emoji variation selector
        ("\U0001f469\u200c\U0001f4bb", [1]),  # a non-joiner joins no emoji
    ],
)
def test_invisible_characters_are_found_by_what_they_do_where_they_are(
    text: str, positions: list[int]
) -> None:
    assert invisible_positions(text) == positions


def test_dropping_keeps_every_other_character() -> None:
    assert (
        without_invisible("\u2066a\u200bb\u2069 \U0001f469\u200d\U0001f4bb")
        == "ab \U0001f469\u200d\U0001f4bb"
    )


def test_emails_are_nfc_normalised_before_they_are_lower_cased_and_compared() -> None:
    decomposed, composed = "Jose\u0301@Example.com", "jos\u00e9@example.com"
    body = {"username": "jose", "email": decomposed, "password": "jakejake"}

    assert NEW_USER.validate(body).email == composed
    assert LOGIN_USER.validate({"email": decomposed, "password": "x"}).email == composed
    assert USER_CHANGES.validate({"email": decomposed}).email == composed


def test_a_username_is_nfc_normalised_before_its_pattern_is_checked() -> None:
    # The pattern admits ASCII only, so NFC changes no accepted username; an invisible
    # character is named as such rather than as a letter the pattern refuses.
    with pytest.raises(ValidationFailed) as refused:
        NEW_USER.validate({"username": "ja\u200bke", "email": "j@example.com", "password": "jakejake"})
    assert refused.value.errors == {"username": [INVISIBLE]}
    assert nfc("jake") == "jake"


def test_tags_are_nfc_normalised_before_duplicates_are_dropped() -> None:
    body = {"title": "t", "description": "d", "body": "b", "tagList": ["cafe\u0301", "caf\u00e9"]}

    assert NEW_ARTICLE.validate(body).tagList == ("caf\u00e9",)


def test_the_schema_states_what_is_always_refused() -> None:
    title = NEW_ARTICLE.json_schema()["properties"]["article"]["properties"]["title"]
    patterns = [p["pattern"] for p in title["allOf"]]

    assert any("\\u202a-\\u202e" in p and "\\u2066-\\u2069" in p and "\\u200b" in p for p in patterns)
