"""The local gateway builds the payload-2.0 event the deployed HTTP API sends."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from conduit.routes import ROUTES_BY_NAME
from local.gateway import LocalGateway, build_event


def event_for(method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    gateway = LocalGateway()
    request = Request(
        EnvironBuilder(
            path=url.split("?")[0], query_string=url.partition("?")[2], method=method, **kwargs
        ).get_environ()
    )
    matched = gateway.match(method, request.path)
    assert matched is not None
    route, params = matched
    return build_event(request, route, params)


def test_the_event_names_the_route_and_its_decoded_path_parameters() -> None:
    event = event_for("GET", "/api/profiles/jake%20smith")

    assert event["version"] == "2.0"
    assert event["routeKey"] == ROUTES_BY_NAME["GetProfile"].route_key == "GET /api/profiles/{username}"
    assert event["pathParameters"] == {"username": "jake smith"}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["requestId"]


def test_header_names_are_lowercased() -> None:
    event = event_for("GET", "/api/user", headers=[("Authorization", "Token x"), ("X-Request-Thing", "a")])

    assert event["headers"]["authorization"] == "Token x"
    assert event["headers"]["x-request-thing"] == "a"


def test_repeated_query_parameters_are_joined_and_the_raw_string_kept() -> None:
    event = event_for("GET", "/api/profiles/jake?tag=a&tag=b&limit=2")

    assert event["queryStringParameters"] == {"tag": "a,b", "limit": "2"}
    assert event["rawQueryString"] == "tag=a&tag=b&limit=2"


def test_a_request_without_query_or_body_has_neither_key() -> None:
    event = event_for("GET", "/api/user")

    assert "queryStringParameters" not in event
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_a_json_body_is_passed_as_text() -> None:
    event = event_for("POST", "/api/users", data='{"user": {}}', content_type="application/json")

    assert event["body"] == '{"user": {}}'
    assert event["isBase64Encoded"] is False


def test_a_binary_body_is_base64_encoded() -> None:
    event = event_for("POST", "/api/users", data=b"\x00\x01", content_type="application/octet-stream")

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\x01"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/nope"), ("PATCH", "/api/user"), ("GET", "/api/users")]
)
def test_unknown_routes_match_nothing(method: str, path: str) -> None:
    assert LocalGateway().match(method, path) is None
