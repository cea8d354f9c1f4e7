"""CORS, as API Gateway applies the declared policy: preflights and headers on responses."""

from __future__ import annotations

import pytest

from conduit.api.cors import CORS
from conduit.routes import ROUTES, Route
from tests.api.conftest import Api

ORIGIN = {"Origin": "http://localhost:4200"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_answers_a_preflight(api: Api, route: Route) -> None:
    path = route.path.replace("{username}", "jake")
    headers = {
        **ORIGIN,
        "Access-Control-Request-Method": route.method,
        "Access-Control-Request-Headers": "authorization,content-type",
    }

    response = api.request("OPTIONS", path, headers=headers)

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert route.method in response.headers["Access-Control-Allow-Methods"].split(",")
    assert {"authorization", "content-type"} <= set(
        response.headers["Access-Control-Allow-Headers"].split(",")
    )
    assert response.headers["Access-Control-Max-Age"] == str(CORS.max_age_seconds)


def test_a_preflight_reaches_no_function(api: Api) -> None:
    api.request("OPTIONS", "/api/user", headers={**ORIGIN, "Access-Control-Request-Method": "PUT"})

    assert api.calls.calls == []


def test_successful_responses_carry_the_allow_origin_header(api: Api) -> None:
    response = api.request(
        "POST",
        "/api/users",
        {"user": {"username": "jake", "email": "j@e.com", "password": "jakejake"}},
        headers=ORIGIN,
    )

    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_error_responses_carry_the_allow_origin_header_too(api: Api) -> None:
    for method, path in (("GET", "/api/user"), ("GET", "/api/profiles/nobody"), ("POST", "/api/users")):
        response = api.request(method, path, headers=ORIGIN)
        assert response.status_code in (401, 404, 422)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
