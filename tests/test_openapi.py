"""The OpenAPI document: valid OpenAPI 3.1, generated from the declarations, and RealWorld's.

What the API answers is checked against it in every API test (tests/api/conftest.py) and by
the schemathesis run (`make contract`); these check the document itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

from conduit.routes import ROUTES, Auth, Route
from contract import openapi
from contract.operations import CONTRACTS, REQUEST_ID
from contract.schemas import OBJECTS
from tests.realworld import OPERATIONS, REQUIRED_FIELDS, REQUIRED_REQUEST_FIELDS, Operation

DOCUMENT = openapi.build_document()


def operation_of(method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = DOCUMENT["paths"][path][method.lower()]
    return found


def component(reference: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = DOCUMENT["components"]["schemas"][reference["$ref"].rsplit("/", 1)[-1]]
    return found


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT)

    assert DOCUMENT["openapi"] == "3.1.0"


def test_every_route_has_a_contract_and_every_contract_a_route() -> None:
    assert sorted(CONTRACTS) == sorted(route.name for route in ROUTES)


def test_the_document_has_one_operation_per_route_and_no_other() -> None:
    operations = sorted(
        f"{method.upper()} {path}" for path, item in DOCUMENT["paths"].items() for method in item
    )

    assert operations == sorted(route.route_key for route in ROUTES)


@pytest.mark.parametrize("realworld", OPERATIONS, ids=lambda o: o.route_key)
def test_every_realworld_operation_answers_realworld_s_success_status(realworld: Operation) -> None:
    responses = operation_of(realworld.method, realworld.path)["responses"]

    assert min(int(status) for status in responses) == realworld.success


@pytest.mark.parametrize("realworld", OPERATIONS, ids=lambda o: o.route_key)
def test_every_realworld_operation_answers_the_document_realworld_names(realworld: Operation) -> None:
    success = operation_of(realworld.method, realworld.path)["responses"][str(realworld.success)]

    if realworld.response is None:
        assert "content" not in success
    else:
        document = component(success["content"]["application/json"]["schema"])
        assert next(iter(document["properties"])) == realworld.response
        assert realworld.response in document["required"]


@pytest.mark.parametrize("realworld", OPERATIONS, ids=lambda o: o.route_key)
def test_every_realworld_request_body_has_its_wrapper_and_required_fields(realworld: Operation) -> None:
    declared = operation_of(realworld.method, realworld.path).get("requestBody")

    if realworld.request is None:
        assert declared is None
    else:
        assert declared is not None
        body = component(declared["content"]["application/json"]["schema"])
        assert body["required"] == [realworld.request]
        inner = body["properties"][realworld.request]
        assert set(inner.get("required", [])) == REQUIRED_REQUEST_FIELDS[realworld.route_key]


@pytest.mark.parametrize("name", sorted(REQUIRED_FIELDS))
def test_every_realworld_object_requires_the_fields_frontends_read(name: str) -> None:
    assert set(OBJECTS[name]["required"]) >= REQUIRED_FIELDS[name]


@pytest.mark.parametrize("realworld", OPERATIONS, ids=lambda o: o.route_key)
def test_a_token_is_required_exactly_where_realworld_requires_one(realworld: Operation) -> None:
    security = operation_of(realworld.method, realworld.path)["security"]

    assert ({} not in security and security != []) == realworld.token_required


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_operation_may_answer_500_and_every_response_carries_the_request_id(route: Route) -> None:
    responses = operation_of(route.method, route.path)["responses"]

    assert "500" in responses
    assert all(r["headers"]["X-Request-Id"] for r in responses.values())


def test_the_request_id_header_is_the_one_the_functions_set() -> None:
    from conduit.api.app import REQUEST_ID_HEADER

    assert REQUEST_ID.name == REQUEST_ID_HEADER


@pytest.mark.parametrize("route", [r for r in ROUTES if r.auth is not Auth.NONE], ids=lambda r: r.name)
def test_every_operation_that_reads_a_token_may_answer_401(route: Route) -> None:
    assert "401" in operation_of(route.method, route.path)["responses"]


@pytest.mark.parametrize("route", [r for r in ROUTES if "{" in r.path], ids=lambda r: r.name)
def test_every_operation_whose_path_names_a_resource_may_answer_404(route: Route) -> None:
    assert "404" in operation_of(route.method, route.path)["responses"]


def test_cursor_paging_is_declared_where_lists_are_paged() -> None:
    for path in ("/api/articles", "/api/articles/feed"):
        names = [p["name"] for p in operation_of("GET", path)["parameters"]]
        assert {"limit", "offset", "cursor"} <= set(names)
    page = DOCUMENT["components"]["schemas"]["MultipleArticlesResponse"]
    assert "nextCursor" in page["properties"]
    assert "nextCursor" not in page["required"]


def test_both_authorization_schemes_are_declared() -> None:
    schemes = DOCUMENT["components"]["securitySchemes"]

    assert schemes["Token"] == {**schemes["Token"], "type": "apiKey", "in": "header", "name": "Authorization"}
    assert schemes["Bearer"]["scheme"] == "bearer"


def test_request_schemas_come_from_the_shapes_the_views_parse() -> None:
    from conduit.users.models import NEW_USER

    assert DOCUMENT["components"]["schemas"]["NewUserRequest"] == NEW_USER.json_schema()


def test_the_document_is_published_where_its_route_reads_it(tmp_path: Any) -> None:
    from apidoc.openapi import DOCUMENT as READ_FROM

    written = openapi.publish(tmp_path / "openapi.json")

    assert READ_FROM == openapi.PUBLISHED
    assert json.loads(written.read_text(encoding="utf-8")) == DOCUMENT
