"""Whatever a client sends, the answer is a 4xx in the spec's error shape, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from conduit.api.parsing import MAX_BODY_BYTES
from conduit.routes import ROUTES
from tests.api.conftest import Api

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
COGNITO_WRITES = {"AdminCreateUser", "AdminSetUserPassword", "AdminUpdateUserAttributes", "AdminDeleteUser"}

# The wrapper each write route's body must have; writes without a body are listed apart.
WRAPPER = {
    "RegisterUser": "user",
    "LoginUser": "user",
    "UpdateCurrentUser": "user",
    "CreateArticle": "article",
    "UpdateArticle": "article",
    "AddComment": "comment",
    "RefreshToken": "user",
    "ConfirmEmail": "user",
    "ForgotPassword": "user",
    "ResetPassword": "user",
}
BODILESS_WRITES = {"FollowUser", "FavoriteArticle", "Logout", "ResendEmailCode"}
BODY_ROUTES = [r for r in ROUTES if r.name in WRAPPER]


def test_every_write_route_is_classified_by_its_body() -> None:
    writes = {r.name for r in ROUTES if r.method in ("POST", "PUT")}

    assert writes == set(WRAPPER) | BODILESS_WRITES


NASTY_RAW_BODIES: list[str | bytes] = [
    "",
    "   ",
    "{",
    "not json",
    "null",
    "[]",
    '"user"',
    "42",
    '{"user": null}',
    '{"user": []}',
    '{"user": "jake"}',
    '{"user": {"username": {"$ne": null}}}',
    '{"usr": {}}',
    '{"user": {"username": "\\ud83d", "email": "\\udc00@example.com", "password": "\\ud83djakejake"}}',
    b"\xff\xfe\xfd",
    '{"user": {"username": "jake", "email": "jake@example.com", "password": "jakejake", "bio": 1e999}}',
    '{"user": {"email": "\\u0000@example.com", "password": "%s"}}' % ("\\u0000" * 8),
]


def _assert_error_shape(response: Any) -> None:
    assert response.status_code in (401, 404, 422), response.text
    errors = response.json["errors"]
    assert errors
    assert all(isinstance(k, str) and v and all(isinstance(m, str) for m in v) for k, v in errors.items())


@pytest.fixture
def token(api: Api) -> str:
    return str(api.register("jake")["token"])


def path_of(route: Any, api: Api, token: str) -> str:
    """The route's path with its parameters filled in by a real article of the caller's."""
    if "{slug}" not in route.path:
        return str(route.path)
    article = {"title": "Dragons", "description": "d", "body": "b"}
    slug = api.request("POST", "/api/articles", {"article": article}, token=token).json["article"]["slug"]
    api.calls.clear()
    return str(route.path.replace("{slug}", slug))


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("raw", NASTY_RAW_BODIES)
def test_malformed_bodies_are_refused_without_writing(
    api: Api, token: str, route: Any, raw: str | bytes
) -> None:
    response = api.request(route.method, route.path, raw=raw, token=token)

    if route.name == "ForgotPassword" and raw == NASTY_RAW_BODIES[-2]:
        # well formed for it (an email; unknown fields are ignored): answered as every address is
        assert (response.status_code, response.json) == (202, {})
        return
    _assert_error_shape(response)
    assert not WRITES & set(api.calls.dynamodb)
    assert not COGNITO_WRITES & set(api.calls.cognito)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.name)
def test_a_body_without_the_wrapper_names_the_wrapper(api: Api, token: str, route: Any) -> None:
    response = api.request(
        route.method, path_of(route, api, token), {"email": "jake@example.com"}, token=token
    )

    assert response.status_code == 422
    assert response.json == {"errors": {WRAPPER[route.name]: ["can't be blank"]}}


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.name)
def test_an_oversized_body_is_refused_before_parsing(api: Api, token: str, route: Any) -> None:
    oversized = {WRAPPER[route.name]: {"bio": "x" * MAX_BODY_BYTES}}
    response = api.request(route.method, path_of(route, api, token), oversized, token=token)

    assert response.status_code == 422
    assert response.json == {"errors": {"body": [f"is too large (maximum is {MAX_BODY_BYTES} bytes)"]}}


def test_malformed_json_is_reported_as_such(api: Api) -> None:
    response = api.request("POST", "/api/users", raw='{"user": {')

    assert response.json == {"errors": {"body": ["is not valid JSON"]}}


def test_unknown_fields_are_ignored(api: Api) -> None:
    body = {"user": {"username": "jake", "email": "jake@example.com", "password": "jakejake", "admin": True}}

    assert api.request("POST", "/api/users", body).status_code == 201


@pytest.mark.parametrize("username", ["%00", "..", "x" * 500, "%F0%9F%98%80", "a%20b", "%25", "%3F"])
def test_odd_usernames_in_the_path_are_a_404(api: Api, token: str, username: str) -> None:
    for method, path in (("GET", "/api/profiles/{}"), ("POST", "/api/profiles/{}/follow")):
        response = api.request(method, path.format(username), token=token)
        _assert_error_shape(response)
        assert response.status_code == 404


def test_an_encoded_slash_in_a_username_matches_no_route(api: Api) -> None:
    assert api.request("GET", "/api/profiles/jake%2Fother").status_code == 404


def test_an_unknown_route_is_a_404(api: Api) -> None:
    assert api.request("GET", "/api/nothing-here").status_code == 404
    assert api.request("PATCH", "/api/user").status_code == 404
