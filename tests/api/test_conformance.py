"""The response check every API test runs (tests/api/conformance.py) fails on a drifted response."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from conduit.security_headers import SECURITY_HEADERS
from local.gateway import LocalGateway
from tests.api.conformance import ContractViolation, check

JSON = {
    "Content-Type": "application/json; charset=utf-8",
    "X-Request-Id": "r-1",
    "Cache-Control": "no-store",
    "ETag": '"' + "0" * 32 + '"',
    "Vary": "Authorization",
    **SECURITY_HEADERS,
}
PROFILE = {"username": "jake", "bio": None, "image": None, "following": False}
ARTICLE = {
    "slug": "dragons",
    "title": "Dragons",
    "description": "d",
    "body": "b",
    "tagList": ["x"],
    "createdAt": "2026-11-23T22:55:00.123Z",
    "updatedAt": "2026-11-23T22:55:00.123Z",
    "favorited": False,
    "favoritesCount": 0,
    "author": PROFILE,
}


def answer(
    gateway: LocalGateway,
    body: Any,
    status: int = 200,
    method: str = "GET",
    path: str = "/api/articles/dragons",
    headers: dict[str, str] | None = None,
) -> None:
    text = "" if body is None else json.dumps(body)
    check(gateway, method, path, status, Headers(JSON if headers is None else headers), text)


def test_a_response_as_declared_passes(gateway: LocalGateway) -> None:
    answer(gateway, {"article": ARTICLE})


def test_a_field_the_document_does_not_declare_fails(gateway: LocalGateway) -> None:
    with pytest.raises(ContractViolation, match="Additional properties"):
        answer(gateway, {"article": {**ARTICLE, "views": 3}})


def test_a_missing_field_fails(gateway: LocalGateway) -> None:
    article = {k: v for k, v in ARTICLE.items() if k != "favoritesCount"}

    with pytest.raises(ContractViolation, match="'favoritesCount' is a required property"):
        answer(gateway, {"article": article})


def test_a_field_of_the_wrong_type_fails(gateway: LocalGateway) -> None:
    with pytest.raises(ContractViolation, match="is not of type 'integer'"):
        answer(gateway, {"article": {**ARTICLE, "favoritesCount": "0"}})


def test_a_timestamp_that_is_not_a_date_time_fails(gateway: LocalGateway) -> None:
    with pytest.raises(ContractViolation, match="is not a 'date-time'"):
        answer(gateway, {"article": {**ARTICLE, "createdAt": "yesterday"}})


def test_a_body_on_a_list_page_fails(gateway: LocalGateway) -> None:
    with pytest.raises(ContractViolation, match="'body' was unexpected"):
        answer(gateway, {"articles": [ARTICLE], "articlesCount": 1}, path="/api/articles")


def test_a_status_the_operation_does_not_declare_fails(gateway: LocalGateway) -> None:
    with pytest.raises(ContractViolation, match="declares only"):
        answer(gateway, {"errors": {"article": ["is locked"]}}, status=409)


def test_an_error_outside_the_spec_s_shape_fails(gateway: LocalGateway) -> None:
    with pytest.raises(ContractViolation, match="GenericErrorModel"):
        answer(gateway, {"errors": {"article": "not found"}}, status=404)


def test_a_response_without_the_request_id_fails(gateway: LocalGateway) -> None:
    headers = {k: v for k, v in JSON.items() if k != "X-Request-Id"}

    with pytest.raises(ContractViolation, match="X-Request-Id header is missing"):
        answer(gateway, {"article": ARTICLE}, headers=headers)


def test_a_read_without_its_etag_fails(gateway: LocalGateway) -> None:
    headers = {k: v for k, v in JSON.items() if k != "ETag"}

    with pytest.raises(ContractViolation, match="ETag header is missing"):
        answer(gateway, {"article": ARTICLE}, headers=headers)


def test_a_not_modified_read_passes_without_a_body_and_fails_with_one(gateway: LocalGateway) -> None:
    answer(gateway, None, status=304)

    with pytest.raises(ContractViolation, match="declares no body"):
        answer(gateway, {"article": ARTICLE}, status=304)


def test_a_body_where_none_is_declared_fails(gateway: LocalGateway) -> None:
    with pytest.raises(ContractViolation, match="declares no body"):
        answer(gateway, {"article": ARTICLE}, status=204, method="DELETE")


def test_an_unknown_route_must_be_api_gateway_s_404(gateway: LocalGateway) -> None:
    answer(gateway, {"message": "Not Found"}, status=404, path="/api/nothing")

    with pytest.raises(ContractViolation, match="API Gateway answers"):
        answer(gateway, {"message": "Gone"}, status=410, path="/api/nothing")


@pytest.mark.parametrize("name", sorted(SECURITY_HEADERS))
def test_a_response_without_a_security_header_fails(gateway: LocalGateway, name: str) -> None:
    headers = {k: v for k, v in JSON.items() if k != name}

    with pytest.raises(ContractViolation, match=f"{name} header is missing"):
        answer(gateway, {"article": ARTICLE}, headers=headers)
