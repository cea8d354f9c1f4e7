"""The OpenAPI 3.1 document, generated: the route table (`conduit.routes`), each route's contract
(`contract.operations`), the request shapes (`conduit.validation`) and the response schemas
(`contract.schemas`). Nothing here is written twice, so a route, field or status cannot change
in one place and not the other.

    python -m contract.openapi > openapi.json

`publish()` writes it where the `GetOpenApiDocument` route's handler reads it, beside the
handler in functions/apidoc/: the CDK app does so at synth time, so the code asset carries it,
and the local gateway when it starts, so `make dev` and the tests serve it the same way (with
Swagger UI at /api/docs, local/docs.py).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any

from conduit.routes import ROUTES, Auth, Route
from contract.operations import (
    COMMON,
    CONTRACTS,
    PATH_PARAMETERS,
    Answer,
    Common,
    Contract,
    Header,
    Parameter,
)
from contract.schemas import SCHEMAS, JsonSchema, ref

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
_ROOT = Path(__file__).resolve().parent.parent
_PYPROJECT = _ROOT / "pyproject.toml"
#: Where functions/apidoc/openapi.py reads the document (git ignores it: it is generated).
PUBLISHED = _ROOT / "functions" / "apidoc" / "openapi.json"

DESCRIPTION = """\
The [RealWorld](https://github.com/gothinkster/realworld) "Conduit" API, as this backend serves it:
RealWorld's operations and shapes, plus the extensions marked as such (cursor paging with
`cursor` and `nextCursor`, the `Bearer` scheme beside the spec's `Token`, `X-Request-Id` on every
response, this document). What the API does where the spec is silent is in docs/api.md.

Every error body has the spec's shape, `{"errors": {"<field>": ["<message>"]}}`. A refused
request writes nothing, and every invalid field of a request is reported at once.

API Gateway answers some requests before any operation runs, with `{"message": "..."}`: an
unknown route (404), a body over 10 MB (413), a client over the stage's rate limit (429), and a
function that crashed or timed out (500). On a stage with the edge (a CloudFront distribution),
its WAF answers first: a client IP over one of its rate limits gets a 429 with `Retry-After` and
`{"errors": {"rate": ["limit reached; try again later"]}}`, and a request its managed rules
refuse gets a 403 (docs/operations.md, "The edge")."""

_TAGS: dict[str, str] = {
    "User and Authentication": "Registration, sign-in and the current user",
    "Profile": "Profiles and follows",
    "Articles": "Articles, lists and the feed",
    "Favorites": "Favoriting articles",
    "Comments": "Comments on articles",
    "Tags": "Tags in use",
    "Contract": "This document (extension)",
}

#: How each auth mode reads in `security`: {} lets a request go without a token.
_SCHEMES: list[dict[str, list[str]]] = [{"Token": []}, {"Bearer": []}]
_SECURITY: dict[Auth, list[dict[str, list[str]]]] = {
    Auth.REQUIRED: _SCHEMES,
    Auth.OPTIONAL: [*_SCHEMES, {}],
    Auth.NONE: [],
}
_UNAUTHORIZED: dict[Auth, str] = {
    Auth.REQUIRED: "No token, or a malformed, expired, foreign or forged one",
    Auth.OPTIONAL: "A malformed, expired, foreign or forged token (a missing one is fine)",
}


def path_parameters(route: Route) -> list[str]:
    """The names of the parameters in a route's path, in order."""
    return re.findall(r"\{(\w+)\}", route.path)


def contract_of(route: Route) -> Contract:
    """The route's entry in `CONTRACTS`, or an error naming the route that has none."""
    try:
        return CONTRACTS[route.name]
    except KeyError:
        raise LookupError(f"route {route.name} has no entry in contract.operations.CONTRACTS") from None


def commons_of(route: Route) -> list[Common]:
    """The cross-cutting declarations that apply to `route`."""
    return [common for common in COMMON if common.applies(route)]


def request_component(contract: Contract) -> str | None:
    """The component name of a route's request body: its shape's class name plus `Request`."""
    return f"{contract.request.body.__name__}Request" if contract.request else None


def refusals(route: Route) -> dict[int, Answer]:
    """Every status but the success one that `route` may answer: derived, declared and common."""
    contract = contract_of(route)
    derived: dict[int, str] = {}
    if route.auth is not Auth.NONE:
        derived[401] = _UNAUTHORIZED[route.auth]
    names = path_parameters(route)
    if names:
        derived[404] = f"No such {' or '.join(names)}"
    if contract.request or contract.query:
        derived[422] = "Invalid input: each invalid field is named with its message"
    answers: dict[int, Answer] = {}
    for status in sorted(set(derived) | set(contract.refusals)):
        reasons = [r for r in (derived.get(status), contract.refusals.get(status)) if r]
        answers[status] = Answer("; ".join(reasons))
    for common in commons_of(route):
        for status, answer in common.answers.items():
            known = answers.get(status)
            answers[status] = answer if known is None else _joined(known, answer)
    return dict(sorted(answers.items()))


def _joined(first: Answer, second: Answer) -> Answer:
    """One status for two reasons: both descriptions, every header (one body model: errors)."""
    headers = tuple({h.name: h for h in (*first.headers, *second.headers)}.values())
    return Answer(f"{first.description}; {second.description}", first.schema, headers)


def _headers(headers: Iterable[Header]) -> dict[str, Any]:
    return {h.name: {"$ref": f"#/components/headers/{h.name}"} for h in headers}


def _header_components(routes: Sequence[Route]) -> dict[str, Any]:
    """Each response header once, for the responses to refer to."""
    headers = {
        h.name: h
        for route in routes
        for common in commons_of(route)
        for h in (
            *common.headers,
            *common.success_headers,
            *(h for a in common.answers.values() for h in a.headers),
        )
    }
    return {
        name: {"description": h.description, "required": h.required, "schema": h.schema}
        for name, h in sorted(headers.items())
    }


def _response(description: str, schema: str | None, headers: Sequence[Header]) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description}
    if headers:
        response["headers"] = _headers(headers)
    if schema is not None:
        response["content"] = {JSON: {"schema": ref(schema)}}
    return response


def _parameter(parameter: Parameter) -> dict[str, Any]:
    declared: dict[str, Any] = {
        "name": parameter.name,
        "in": parameter.location,
        "description": parameter.description,
        "schema": parameter.schema,
    }
    if parameter.required:
        declared["required"] = True
    if parameter.example is not None:
        declared["example"] = parameter.example
    return declared


def operation(route: Route) -> dict[str, Any]:
    """The OpenAPI operation object of one route."""
    contract = contract_of(route)
    commons = commons_of(route)
    every_response = [h for c in commons for h in c.headers]
    success_headers = every_response + [h for c in commons for h in c.success_headers]
    parameters = [PATH_PARAMETERS[name] for name in path_parameters(route)]
    parameters += [*contract.query, *(p for c in commons for p in c.request_headers)]
    declared: dict[str, Any] = {
        "operationId": route.name,
        "summary": contract.summary,
        "tags": [contract.tag],
        "security": _SECURITY[route.auth],
    }
    if contract.extension:
        declared["description"] = f"Extension: {contract.extension}."
    if parameters:
        declared["parameters"] = [_parameter(p) for p in parameters]
    component = request_component(contract)
    if component:
        declared["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(component)}}}
    responses = {
        str(contract.success): _response(
            HTTPStatus(contract.success).phrase, contract.response, success_headers
        )
    }
    for status, answer in refusals(route).items():
        responses[str(status)] = _response(
            answer.description, answer.schema, every_response + list(answer.headers)
        )
    declared["responses"] = responses
    return declared


def _version() -> str:
    version: str = tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    return version


def build_document(routes: Sequence[Route] = ROUTES) -> dict[str, Any]:
    """The whole OpenAPI document for `routes`."""
    paths: dict[str, dict[str, Any]] = {}
    requests: dict[str, JsonSchema] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = operation(route)
        contract = contract_of(route)
        component = request_component(contract)
        if contract.request and component:
            requests[component] = contract.request.json_schema()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Conduit API", "version": _version(), "description": DESCRIPTION},
        "tags": [{"name": name, "description": text} for name, text in _TAGS.items()],
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **requests},
            "headers": _header_components(routes),
            "securitySchemes": {
                "Token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The spec's scheme: `Token <jwt>`, the token a sign-in answers",
                },
                "Bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Extension: the same token as `Bearer <jwt>`",
                },
            },
        },
    }


def document_json(routes: Sequence[Route] = ROUTES) -> str:
    """The document as the API serves it (deterministic, so assets hash alike across synths)."""
    return json.dumps(build_document(routes), indent=2, ensure_ascii=False) + "\n"


def publish(path: Path | None = None) -> Path:
    """Write the document where its route's handler reads it (`PUBLISHED`), atomically (test
    workers and a synth may publish at once), unless it is already there as is."""
    path = path or PUBLISHED
    text = document_json()
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        staged = path.with_name(f".{path.name}.{os.getpid()}")
        staged.write_text(text, encoding="utf-8")
        os.replace(staged, path)
    return path


if __name__ == "__main__":
    sys.stdout.write(document_json())
