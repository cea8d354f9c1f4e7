"""Every answer a function makes carries the security headers, with their values, through HTTP.

One place sets them (the response adapter, from `conduit.security_headers`): every route is
called here once for a success and once for a refusal, and 304s, 401s, 403s, 422s and 500s are
checked as well. (The conformance check every API test runs also requires them, by name, on
every response the OpenAPI document declares.) A stage with the edge adds them again at
CloudFront, for what API Gateway answers itself: tests/infra/test_infra_edge.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from conduit import clock, settings
from conduit.resources import ORIGIN_SECRET_ENV_VAR
from conduit.routes import ROUTES, Auth, Route
from conduit.security_headers import SECURITY_HEADERS
from local.cognito import RESET_PASSWORD, VERIFY_EMAIL
from local.emulator import Emulator
from tests.api.conftest import PASSWORD, Api, Reply

EXPECTED = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def assert_secured(reply: Reply) -> None:
    assert {name: reply.headers.get(name) for name in EXPECTED} == EXPECTED


def test_the_declared_headers_are_the_ones_the_issue_asks_for() -> None:
    assert SECURITY_HEADERS == EXPECTED


@dataclass
class World:
    """Two accounts, an article of jake's with a comment, and the clock to move."""

    api: Api
    emulator: Emulator
    jake: dict[str, Any]
    ann: dict[str, Any]
    slug: str
    comment_id: int
    move_clock: Callable[[float], None]

    def code_to(self, address: str, kind: str) -> str:
        return [m.code for m in self.emulator.outbox() if m.to == address and m.kind == kind][-1]

    def login(self, user: dict[str, Any]) -> dict[str, Any]:
        body = {"user": {"email": user["email"], "password": PASSWORD}}
        signed_in: dict[str, Any] = self.api.request("POST", "/api/users/login", body).json["user"]
        return signed_in


@pytest.fixture
def world(api: Api, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> World:
    shift = 0.0

    def move_clock(seconds: float) -> None:
        nonlocal shift
        shift += seconds
        monkeypatch.setattr(clock, "epoch", lambda: time.time() + shift)

    jake = api.register("jake")
    ann = api.register("ann")
    article = {"article": {"title": "Headers", "description": "d", "body": "b", "tagList": ["edge"]}}
    slug = api.request("POST", "/api/articles", article, token=jake["token"]).json["article"]["slug"]
    comment = api.request(
        "POST", f"/api/articles/{slug}/comments", {"comment": {"body": "hi"}}, token=ann["token"]
    )
    return World(api, emulator, jake, ann, slug, comment.json["comment"]["id"], move_clock)


def _reset_password(w: World) -> Reply:
    code = w.code_to(w.ann["email"], VERIFY_EMAIL)
    w.api.request("POST", "/api/user/email/confirm", {"user": {"code": code}}, token=w.ann["token"])
    w.api.request("POST", "/api/users/password/forgot", {"user": {"email": w.ann["email"]}})
    reset = {
        "email": w.ann["email"],
        "code": w.code_to(w.ann["email"], RESET_PASSWORD),
        "password": "new-horse-9",
    }
    return w.api.request("POST", "/api/users/password/reset", {"user": reset})


def _resend(w: World) -> Reply:
    w.move_clock(61)  # a new code at most once a minute
    return w.api.request("POST", "/api/user/email/resend", token=w.jake["token"])


#: A request each route answers with success, in the world above.
SUCCESS: dict[str, Callable[[World], Reply]] = {
    "RegisterUser": lambda w: w.api.request(
        "POST",
        "/api/users",
        {"user": {"username": "newbie", "email": "newbie@example.com", "password": PASSWORD}},
    ),
    "LoginUser": lambda w: w.api.request(
        "POST", "/api/users/login", {"user": {"email": w.jake["email"], "password": PASSWORD}}
    ),
    "RefreshToken": lambda w: w.api.request(
        "POST", "/api/users/token", {"user": {"refreshToken": w.login(w.jake)["refreshToken"]}}
    ),
    "Logout": lambda w: w.api.request("POST", "/api/user/logout", token=w.jake["token"]),
    "EndAllSessions": lambda w: w.api.request("DELETE", "/api/user/sessions", token=w.jake["token"]),
    "GetCurrentUser": lambda w: w.api.request("GET", "/api/user", token=w.jake["token"]),
    "UpdateCurrentUser": lambda w: w.api.request(
        "PUT", "/api/user", {"user": {"bio": "hi"}}, token=w.jake["token"]
    ),
    "DeleteCurrentUser": lambda w: w.api.request(
        "DELETE", "/api/user", {"user": {"password": PASSWORD}}, token=w.ann["token"]
    ),
    "ExportCurrentUser": lambda w: w.api.request("GET", "/api/user/export", token=w.jake["token"]),
    "ConfirmEmail": lambda w: w.api.request(
        "POST",
        "/api/user/email/confirm",
        {"user": {"code": w.code_to(w.jake["email"], VERIFY_EMAIL)}},
        token=w.jake["token"],
    ),
    "ResendEmailCode": _resend,
    "ForgotPassword": lambda w: w.api.request(
        "POST", "/api/users/password/forgot", {"user": {"email": w.jake["email"]}}
    ),
    "ResetPassword": _reset_password,
    "GetProfile": lambda w: w.api.request("GET", "/api/profiles/ann"),
    "FollowUser": lambda w: w.api.request("POST", "/api/profiles/ann/follow", token=w.jake["token"]),
    "UnfollowUser": lambda w: w.api.request("DELETE", "/api/profiles/ann/follow", token=w.jake["token"]),
    "ListArticles": lambda w: w.api.request("GET", "/api/articles"),
    "FeedArticles": lambda w: w.api.request("GET", "/api/articles/feed", token=w.ann["token"]),
    "CreateArticle": lambda w: w.api.request(
        "POST",
        "/api/articles",
        {"article": {"title": "Another", "description": "d", "body": "b"}},
        token=w.jake["token"],
    ),
    "GetArticle": lambda w: w.api.request("GET", f"/api/articles/{w.slug}"),
    "UpdateArticle": lambda w: w.api.request(
        "PUT", f"/api/articles/{w.slug}", {"article": {"body": "new"}}, token=w.jake["token"]
    ),
    "DeleteArticle": lambda w: w.api.request("DELETE", f"/api/articles/{w.slug}", token=w.jake["token"]),
    "FavoriteArticle": lambda w: w.api.request(
        "POST", f"/api/articles/{w.slug}/favorite", token=w.ann["token"]
    ),
    "UnfavoriteArticle": lambda w: w.api.request(
        "DELETE", f"/api/articles/{w.slug}/favorite", token=w.ann["token"]
    ),
    "ListComments": lambda w: w.api.request("GET", f"/api/articles/{w.slug}/comments"),
    "AddComment": lambda w: w.api.request(
        "POST", f"/api/articles/{w.slug}/comments", {"comment": {"body": "again"}}, token=w.jake["token"]
    ),
    "DeleteComment": lambda w: w.api.request(
        "DELETE", f"/api/articles/{w.slug}/comments/{w.comment_id}", token=w.ann["token"]
    ),
    "ListTags": lambda w: w.api.request("GET", "/api/tags"),
    "GetOpenApiDocument": lambda w: w.api.request("GET", "/api/openapi.json"),
}


def concrete_path(route: Route) -> str:
    return route.path.replace("{username}", "ann").replace("{slug}", "no-such-article").replace("{id}", "1")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_s_success_carries_them(world: World, route: Route) -> None:
    assert route.name in SUCCESS, f"add a request {route.name} answers with success to SUCCESS"

    reply = SUCCESS[route.name](world)

    assert 200 <= reply.status_code < 300, reply.text
    assert_secured(reply)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_s_refusal_carries_them(api: Api, route: Route, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every route refuses a request sent around the edge (its first check) with them."""
    monkeypatch.setenv(ORIGIN_SECRET_ENV_VAR, "the-stage-secret")
    settings.reset()

    reply = api.request(route.method, concrete_path(route))

    assert reply.status_code == 403
    assert_secured(reply)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.auth is not Auth.NONE], ids=lambda r: r.name)
def test_every_route_that_reads_a_token_refuses_a_forged_one_with_them(api: Api, route: Route) -> None:
    reply = api.request(route.method, concrete_path(route), token="forged.token.value")

    assert reply.status_code == 401
    assert_secured(reply)


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.auth is Auth.NONE and r.method != "GET"], ids=lambda r: r.name
)
def test_every_anonymous_write_refuses_a_body_that_is_no_json_with_them(api: Api, route: Route) -> None:
    reply = api.request(route.method, concrete_path(route), raw="{not json")

    assert reply.status_code == 422
    assert_secured(reply)


def test_a_304_carries_them(api: Api) -> None:
    first = api.request("GET", "/api/tags")

    again = api.request("GET", "/api/tags", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert_secured(again)


def test_an_answer_from_a_kept_idempotency_key_carries_them(api: Api) -> None:
    jake = api.register("jake")
    article = {"article": {"title": "Once", "description": "d", "body": "b"}}
    headers = {"Idempotency-Key": "key-1"}
    api.request("POST", "/api/articles", article, token=jake["token"], headers=headers)

    repeat = api.request("POST", "/api/articles", article, token=jake["token"], headers=headers)

    assert repeat.status_code == 201
    assert_secured(repeat)


def test_a_fault_answered_503_carries_them(api: Api, emulator: Emulator) -> None:
    emulator.fail("Query")

    reply = api.request("GET", "/api/tags")

    assert reply.status_code == 503
    assert_secured(reply)
