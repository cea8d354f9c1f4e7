"""Per-account limits: over one, a 429 with Retry-After that writes nothing (conduit.limits)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from conduit import limits
from conduit.routes import ROUTES, ROUTES_BY_NAME
from tests.api.conftest import PASSWORD, Api
from tests.api.publishing import publish

RATE = {"errors": {"rate": ["limit reached; try again later"]}}


@pytest.fixture
def limited(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The API with the limits a stage has by default (the other tests lift them), at the
    start of a day: windows are fixed, so a test must not straddle the end of one."""
    for limit in limits.LIMITS.values():
        monkeypatch.delenv(limit.env_var, raising=False)
    limits.reset()
    monkeypatch.setattr(limits, "clock", lambda: 1_800_000_000.0 - 1_800_000_000.0 % 86400 + 1)
    yield api
    limits.reset()


def _set(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(limits.LIMITS[name].env_var, value)
    limits.reset()


def article(n: int) -> dict[str, Any]:
    return {"article": {"title": f"Spam {n}", "description": "d", "body": "b"}}


def test_every_write_of_a_signed_in_account_is_limited() -> None:
    unlimited = {"Logout", "EndAllSessions", "DeleteCurrentUser", "ConfirmEmail", "ResendEmailCode"}
    writes = [
        r for r in ROUTES if r.method != "GET" and r.auth.value == "required" and r.name not in unlimited
    ]

    assert [r.name for r in writes if r.limit is None] == []
    assert {r.limit for r in ROUTES if r.limit} <= set(limits.LIMITS)


def test_the_defaults_are_forems(limited: Api) -> None:
    assert limits.limit("articles").describe() == "9 per 30 s, 50 per day"
    assert limits.limit("comments").describe() == "9 per 30 s"
    assert limits.limit("favorites").describe() == "10 per 30 s"
    assert limits.limit("follows").describe() == "10 per 30 s, 500 per day"


def test_a_new_account_may_publish_5_articles_and_9_comments_in_its_first_minute(limited: Api) -> None:
    jake = limited.register("jake")["token"]

    slugs = [limited.request("POST", "/api/articles", article(n), token=jake) for n in range(5)]
    comments = [
        limited.request(
            "POST",
            f"/api/articles/{slugs[0].json['article']['slug']}/comments",
            {"comment": {"body": f"c{n}"}},
            token=jake,
        )
        for n in range(9)
    ]

    assert [r.status_code for r in slugs] == [201] * 5
    assert [r.status_code for r in comments] == [200] * 9


def test_the_tenth_article_in_30_seconds_is_a_429_with_retry_after_and_is_not_published(limited: Api) -> None:
    jake = limited.register("jake")["token"]
    for n in range(9):
        assert limited.request("POST", "/api/articles", article(n), token=jake).status_code == 201

    refused = limited.request("POST", "/api/articles", article(9), token=jake)

    assert refused.status_code == 429
    assert refused.json == RATE
    assert int(refused.headers["Retry-After"]) == 29
    assert limited.request("GET", "/api/articles?author=jake").json["articlesCount"] == 9


def test_one_accounts_limit_leaves_another_account_alone(
    limited: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(monkeypatch, "follows", "1/30")
    jake, jane = limited.register("jake")["token"], limited.register("jane")["token"]
    limited.register("celeb")
    limited.request("POST", "/api/profiles/celeb/follow", token=jake)

    assert limited.request("DELETE", "/api/profiles/celeb/follow", token=jake).status_code == 429
    assert limited.request("POST", "/api/profiles/celeb/follow", token=jane).status_code == 200


def test_the_long_window_holds_across_short_ones(limited: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, "favorites", "1/1,3/86400")  # one a second, three a day
    jake = limited.register("jake")["token"]
    slug = publish(limited, jake)["slug"]
    clock = iter(range(1_000_000, 1_000_100, 2))
    monkeypatch.setattr(limits, "clock", lambda: float(next(clock)))

    statuses = [
        limited.request(method, f"/api/articles/{slug}/favorite", token=jake).status_code
        for method in ("POST", "DELETE", "POST", "DELETE")
    ]

    assert statuses == [200, 200, 200, 429]


def test_a_limit_is_a_stage_setting(limited: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, "comments", "2/30")
    jake = limited.register("jake")["token"]
    path = f"/api/articles/{publish(limited, jake)['slug']}/comments"

    statuses = [
        limited.request("POST", path, {"comment": {"body": "x"}}, token=jake).status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_a_repeat_answered_from_its_idempotency_key_is_not_counted_again(
    limited: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(monkeypatch, "articles", "1/30")
    jake = limited.register("jake")["token"]
    key = {"Idempotency-Key": "publish-once"}

    first = limited.request("POST", "/api/articles", article(1), token=jake, headers=key)
    again = limited.request("POST", "/api/articles", article(1), token=jake, headers=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert limited.request("POST", "/api/articles", article(2), token=jake).status_code == 429


def test_a_count_sent_again_after_a_lost_reply_counts_once(
    limited: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(monkeypatch, "comments", "2/30")

    limits.count("comments", "someone", "request-1")
    limits.count("comments", "someone", "request-1")  # botocore's repeat: the same request id
    limits.count("comments", "someone", "request-2")

    with pytest.raises(limits.RateLimited):
        limits.count("comments", "someone", "request-3")


def test_racing_requests_never_pass_the_limit(limited: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, "follows", "5/30")
    jake = limited.register("jake")["token"]
    for n in range(12):
        limited.register(f"author{n}")
    statuses: list[int] = []

    def follow(n: int) -> None:
        statuses.append(limited.request("POST", f"/api/profiles/author{n}/follow", token=jake).status_code)

    threads = [threading.Thread(target=follow, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 5 + [429] * 7


def test_a_limited_request_costs_one_write_to_count_it(limited: Api) -> None:
    jake = limited.register("jake")["token"]
    limited.request("POST", "/api/articles", article(0), token=jake)

    limited.request("POST", "/api/articles", article(1), token=jake)

    assert limited.calls.dynamodb.count("UpdateItem") == 1


def test_the_openapi_document_declares_429_on_every_limited_route(api: Api) -> None:
    document = api.request("GET", "/api/openapi.json").json
    for route in ROUTES:
        answers = document["paths"][route.path][route.method.lower()]["responses"]
        assert route.limit is None or "429" in answers, route.name
    assert ROUTES_BY_NAME["CreateArticle"].limit == "articles"


def test_a_password_change_is_limited_like_every_profile_change(
    limited: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(monkeypatch, "profile_changes", "1/30")
    jake = limited.register("jake")["token"]
    limited.request("PUT", "/api/user", {"user": {"bio": "one"}}, token=jake)

    refused = limited.request(
        "PUT", "/api/user", {"user": {"password": "new-password", "currentPassword": PASSWORD}}, token=jake
    )

    assert refused.status_code == 429


def test_a_request_refused_for_its_input_is_not_counted(
    limited: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(monkeypatch, "articles", "1/30")
    jake = limited.register("jake")["token"]

    refused = limited.request("POST", "/api/articles", {"article": {"title": ""}}, token=jake)

    assert refused.status_code == 422
    assert limited.request("POST", "/api/articles", article(1), token=jake).status_code == 201


def test_the_sixth_password_reset_ask_for_an_address_in_an_hour_is_a_429_whatever_the_address(
    limited: Api,
) -> None:
    limited.register("jake", "jake@example.com")
    for address in ("jake@example.com", "nobody@example.com"):
        asks = [
            limited.request("POST", "/api/users/password/forgot", {"user": {"email": address}}).status_code
            for _ in range(6)
        ]
        assert asks == [202] * 5 + [429]


def test_a_limited_route_without_the_idempotency_table_counts_and_answers(
    limited: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PUT's function is not given the idempotency table: its count must not need its name."""
    from conduit import settings
    from conduit.resources import IDEMPOTENCY

    _set(monkeypatch, "profile_changes", "1/30")
    jake = limited.register("jake")["token"]
    monkeypatch.delenv(IDEMPOTENCY.env_var)
    settings.reset()

    first = limited.request("PUT", "/api/user", {"user": {"bio": "one"}}, token=jake)
    second = limited.request("PUT", "/api/user", {"user": {"bio": "two"}}, token=jake)

    assert (first.status_code, second.status_code) == (200, 429)
