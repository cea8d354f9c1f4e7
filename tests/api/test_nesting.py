"""Nothing nested answers 500: every body and every query parameter the OpenAPI document declares,
sent nested 60,000 levels deep, is a 422 in the spec's shape, and writes nothing.

The cases come from the document (itself generated from the route table), so a new route's body
or query parameter is covered without touching this file."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from conduit.api.parsing import MAX_BODY_BYTES
from conduit.jsontext import MAX_DEPTH
from conduit.routes import ROUTES_BY_NAME
from contract.openapi import build_document
from tests.api.conftest import Api
from tests.api.test_bad_input import COGNITO_WRITES, WRITES

LEVELS = 60_000
#: As deep as a balanced document can be under the body limit (each level takes "[" and "]").
BALANCED_LEVELS = 32_000
TOO_DEEP = {"errors": {"body": [f"is nested too deeply (maximum is {MAX_DEPTH} levels)"]}}

DOCUMENT = build_document()
OPERATIONS = [
    (path, method.upper(), operation)
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]


@dataclass(frozen=True)
class BodyCase:
    route: str
    method: str
    path: str
    wrapper: str
    field: str | None  # None: the whole body is the nesting


def _body_cases() -> list[BodyCase]:
    cases = []
    for path, method, operation in OPERATIONS:
        if "requestBody" not in operation:
            continue
        reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = DOCUMENT["components"]["schemas"][reference.rsplit("/", 1)[1]]
        (wrapper,) = schema["required"]
        fields = list(schema["properties"][wrapper]["properties"])
        name = operation["operationId"]
        cases.append(BodyCase(name, method, path, wrapper, None))
        cases += [BodyCase(name, method, path, wrapper, field) for field in fields]
    return cases


def _query_cases() -> list[tuple[str, str, str, str]]:
    return [
        (operation["operationId"], method, path, parameter["name"])
        for path, method, operation in OPERATIONS
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]


BODY_CASES = _body_cases()
QUERY_CASES = _query_cases()


def test_the_cases_cover_the_documents_bodies_and_query_parameters() -> None:
    # Not vacuous: RealWorld's bodies and list parameters are all here.
    assert {c.route for c in BODY_CASES} >= {"RegisterUser", "LoginUser", "UpdateCurrentUser", "AddComment"}
    assert {c.route for c in BODY_CASES} >= {"CreateArticle", "UpdateArticle"}
    assert {(route, name) for route, _, _, name in QUERY_CASES} >= {
        ("ListArticles", name) for name in ("limit", "offset", "cursor", "tag", "author", "favorited")
    } | {("FeedArticles", name) for name in ("limit", "offset", "cursor")}


@pytest.fixture
def token(api: Api) -> str:
    return str(api.register("jake")["token"])


def _filled(path: str, api: Api, token: str) -> str:
    """The path with a real article's slug, the caller's username and a comment id."""
    if "{slug}" in path:
        article = {"title": "Dragons", "description": "d", "body": "b"}
        slug = api.request("POST", "/api/articles", {"article": article}, token=token).json["article"]["slug"]
        path = path.replace("{slug}", slug)
    return path.replace("{username}", "jake").replace("{id}", "1")


def _deep(case: BodyCase, opened: str) -> str:
    if case.field is None:
        return opened
    return f'{{"{case.wrapper}": {{"{case.field}": {opened}'


def _assert_refused_as_too_deep(api: Api, response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.json == TOO_DEEP
    assert not WRITES & set(api.calls.dynamodb)
    assert not COGNITO_WRITES & set(api.calls.cognito)


@pytest.mark.parametrize("case", BODY_CASES, ids=lambda c: f"{c.route}-{c.field or 'whole'}")
def test_a_body_nested_60000_levels_deep_is_a_422(api: Api, token: str, case: BodyCase) -> None:
    path = _filled(case.path, api, token)
    raw = _deep(case, "[" * LEVELS)
    assert len(raw.encode()) < MAX_BODY_BYTES  # refused for its nesting, not its size

    response = api.request(case.method, path, raw=raw, token=token)

    _assert_refused_as_too_deep(api, response)


@pytest.mark.parametrize("case", BODY_CASES, ids=lambda c: f"{c.route}-{c.field or 'whole'}")
def test_a_well_formed_body_nested_as_deep_as_the_size_limit_allows_is_a_422(
    api: Api, token: str, case: BodyCase
) -> None:
    path = _filled(case.path, api, token)
    raw = _deep(case, "[" * BALANCED_LEVELS + "]" * BALANCED_LEVELS) + ("}}" if case.field else "")
    assert len(raw.encode()) < MAX_BODY_BYTES

    response = api.request(case.method, path, raw=raw, token=token)

    _assert_refused_as_too_deep(api, response)


@pytest.mark.parametrize(
    "case",
    [c for c in BODY_CASES if ROUTES_BY_NAME[c.route].accepts_idempotency_key],
    ids=lambda c: f"{c.route}-{c.field or 'whole'}",
)
def test_a_deep_body_with_an_idempotency_key_is_a_422_and_leaves_the_key_free(
    api: Api, token: str, case: BodyCase
) -> None:
    path = _filled(case.path, api, token)
    headers = {"Idempotency-Key": f"deep-{case.route}-{case.field}"}

    response = api.request(case.method, path, raw=_deep(case, "[" * LEVELS), token=token, headers=headers)

    assert response.status_code == 422, response.text
    assert response.json == TOO_DEEP
    again = api.request(case.method, path, raw=_deep(case, "[" * LEVELS), token=token, headers=headers)
    assert again.json == TOO_DEEP  # not "is in use" nor "already used": nothing was kept


def _query_values(name: str) -> list[str]:
    values = ["[" * LEVELS]
    if name == "cursor":  # a cursor is base64url JSON: the nesting hides inside it
        for document in ("[" * LEVELS, "[" * BALANCED_LEVELS + "]" * BALANCED_LEVELS):
            values.append(base64.urlsafe_b64encode(document.encode()).decode().rstrip("="))
    return values


@pytest.mark.parametrize(("route", "method", "path", "name"), QUERY_CASES, ids=lambda v: str(v))
def test_a_query_parameter_nested_60000_levels_deep_is_a_422_naming_it(
    api: Api, token: str, route: str, method: str, path: str, name: str
) -> None:
    path = _filled(path, api, token)
    for value in _query_values(name):
        response = api.request(method, f"{path}?{name}={quote(value, safe='')}", token=token)

        assert response.status_code == 422, (route, name, response.text)
        errors = response.json["errors"]
        assert list(errors) == [name]
        assert all(isinstance(message, str) and message for message in errors[name])
