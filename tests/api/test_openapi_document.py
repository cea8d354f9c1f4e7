"""GET /api/openapi.json (extension): the API serves its own contract."""

from __future__ import annotations

from contract.openapi import build_document
from tests.api.conftest import Api


def test_the_api_serves_the_document_generated_from_its_declarations(api: Api) -> None:
    response = api.request("GET", "/api/openapi.json")

    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert response.json == build_document()


def test_the_document_needs_no_token_and_ignores_one(api: Api) -> None:
    assert api.request("GET", "/api/openapi.json", token="not-a-token").status_code == 200


def test_reading_the_document_calls_no_aws_service(api: Api) -> None:
    api.request("GET", "/api/openapi.json")

    assert api.calls.dynamodb == api.calls.cognito == []
