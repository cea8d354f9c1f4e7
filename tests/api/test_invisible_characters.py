"""Invisible characters: names, titles and tags refuse bidirectional controls and zero-width
characters; running text (bodies, descriptions, bios, comments) drops them; tags are
NFC-normalised (docs/api.md, "Limits and normalisation"). Emails and usernames are too, but no
address Cognito accepts, nor any username, has a character NFC changes: tests/test_text_rules.py
shows it on the request shapes."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

import pytest

from tests.api.conftest import PASSWORD, Api

INVISIBLE = "can't contain invisible characters (bidirectional controls or zero-width characters)"

BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
MARKS = ["\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e"]
HIDDEN = BIDI_CONTROLS + MARKS + ZERO_WIDTH

#: Where a zero-width (non-)joiner does show: they are kept.
JOINED = {
    "an emoji ZWJ sequence": "Remote \U0001f469\u200d\U0001f4bb work",
    "a flag": "Pride \U0001f3f3\ufe0f\u200d\U0001f308",
    "a Persian word with a non-joiner": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    "a Devanagari half form": "\u0915\u094d\u200d\u0937",
}


def _name(character: str) -> str:
    return f"U+{ord(character):04X}"


@pytest.fixture
def jake(api: Api) -> dict[str, Any]:
    return api.register("jake")


def _article(api: Api, token: str, **fields: Any) -> Any:
    article = {"title": "Dragons", "description": "d", "body": "b", **fields}
    return api.request("POST", "/api/articles", {"article": article}, token=token)


@pytest.mark.parametrize("character", HIDDEN, ids=_name)
def test_a_username_with_an_invisible_character_is_refused(api: Api, character: str) -> None:
    body = {"user": {"username": f"ja{character}ke", "email": "jake@example.com", "password": PASSWORD}}

    response = api.request("POST", "/api/users", body)

    assert response.status_code == 422
    assert response.json == {"errors": {"username": [INVISIBLE]}}


def test_a_username_change_with_an_invisible_character_is_refused(api: Api, jake: dict[str, Any]) -> None:
    response = api.request("PUT", "/api/user", {"user": {"username": "jake\u202e"}}, token=jake["token"])

    assert response.json == {"errors": {"username": [INVISIBLE]}}
    assert api.request("GET", "/api/profiles/jake").status_code == 200


@pytest.mark.parametrize("character", HIDDEN, ids=_name)
def test_a_title_with_an_invisible_character_is_refused(
    api: Api, jake: dict[str, Any], character: str
) -> None:
    response = _article(api, jake["token"], title=f"Drag{character}ons")

    assert response.status_code == 422
    assert response.json == {"errors": {"title": [INVISIBLE]}}
    assert api.request("GET", "/api/articles").json["articlesCount"] == 0


def test_a_retitling_with_an_invisible_character_is_refused(api: Api, jake: dict[str, Any]) -> None:
    slug = _article(api, jake["token"]).json["article"]["slug"]

    response = api.request(
        "PUT", f"/api/articles/{slug}", {"article": {"title": "\u2067Dragons"}}, token=jake["token"]
    )

    assert response.json == {"errors": {"title": [INVISIBLE]}}
    assert api.request("GET", f"/api/articles/{slug}").json["article"]["title"] == "Dragons"


@pytest.mark.parametrize("character", HIDDEN, ids=_name)
def test_a_tag_with_an_invisible_character_is_refused(api: Api, jake: dict[str, Any], character: str) -> None:
    response = _article(api, jake["token"], tagList=["dragons", f"py{character}thon"])

    assert response.status_code == 422
    assert response.json == {"errors": {"tagList": [INVISIBLE]}}


@pytest.mark.parametrize("text", JOINED.values(), ids=list(JOINED))
def test_a_joiner_that_joins_something_is_kept_in_titles_and_tags(
    api: Api, jake: dict[str, Any], text: str
) -> None:
    response = _article(api, jake["token"], title=text, tagList=[text])

    assert response.status_code == 201, response.text
    assert response.json["article"]["title"] == text
    assert response.json["article"]["tagList"] == [text]


def test_running_text_drops_invisible_characters(api: Api, jake: dict[str, Any]) -> None:
    token = jake["token"]
    dirty = "".join(f"{c}x" for c in HIDDEN)  # each one between letters it does not join
    clean = "x" * len(HIDDEN)

    article = _article(api, token, description=f"A {dirty}", body=f"{dirty}\n\nThe end.\u200b").json[
        "article"
    ]
    comment = api.request(
        "POST",
        f"/api/articles/{article['slug']}/comments",
        {"comment": {"body": f"\u202e{dirty}"}},
        token=token,
    ).json["comment"]
    user = api.request("PUT", "/api/user", {"user": {"bio": f"I {dirty}"}}, token=token).json["user"]

    assert article["description"] == f"A {clean}"
    assert article["body"] == f"{clean}\n\nThe end."
    assert comment["body"] == clean
    assert user["bio"] == f"I {clean}"
    stored = api.request("GET", f"/api/articles/{article['slug']}").json["article"]
    assert (stored["description"], stored["body"]) == (article["description"], article["body"])


def test_running_text_keeps_the_joiners_that_join(api: Api, jake: dict[str, Any]) -> None:
    text = " ".join(JOINED.values())

    article = _article(api, jake["token"], body=text).json["article"]

    assert article["body"] == text


def test_running_text_of_nothing_but_invisible_characters_is_blank(api: Api, jake: dict[str, Any]) -> None:
    response = _article(api, jake["token"], body="\u200b\u202e", description="\ufeff")

    assert response.json == {"errors": {"description": ["can't be blank"], "body": ["can't be blank"]}}


def test_tags_are_nfc_normalised_so_both_forms_are_one_tag(api: Api, jake: dict[str, Any]) -> None:
    decomposed, composed = "cafe\u0301", "caf\u00e9"

    article = _article(api, jake["token"], tagList=[decomposed, composed]).json["article"]

    assert article["tagList"] == [composed]
    for form in (decomposed, composed):
        listed = api.request("GET", f"/api/articles?tag={quote(form)}").json
        assert [a["slug"] for a in listed["articles"]] == [article["slug"]]
    assert composed in api.request("GET", "/api/tags").json["tags"]
    assert unicodedata.is_normalized("NFC", api.request("GET", "/api/tags").json["tags"][0])
