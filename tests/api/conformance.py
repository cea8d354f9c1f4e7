"""Every response the API tests receive is checked against the OpenAPI document.

The status must be one the operation declares, with the headers it declares and a body that
matches its schema (jsonschema, draft 2020-12 as OpenAPI 3.1 uses it, formats included).
Answers that are API Gateway's, not an operation's, are told apart explicitly: a CORS
preflight, an unknown route (404), a body over the gateway's limit (413) and a function that
crashed (500), each as API Gateway answers them; and Swagger UI, which only `make dev` serves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.datastructures import Headers

from contract.openapi import build_document
from local.docs import UI_PATH
from local.gateway import LocalGateway

_BASE = "urn:conduit:openapi"


class ContractViolation(AssertionError):
    """A response the document does not allow."""


@cache
def _document() -> dict[str, Any]:
    return build_document()


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        _BASE, Resource.from_contents(_document(), default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{_BASE}#/components/schemas/{schema_name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _body_matches(schema_name: str, text: str, where: str) -> None:
    try:
        body = json.loads(text)
    except ValueError:
        raise ContractViolation(f"{where}: the body is not JSON: {text[:200]!r}") from None
    errors = sorted(_validator(schema_name).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(f"at {list(e.absolute_path)}: {e.message}" for e in errors[:5])
        raise ContractViolation(f"{where}: the body does not match {schema_name}: {details}")


def _schema_name(response: Mapping[str, Any]) -> str | None:
    content = response.get("content")
    if not content:
        return None
    reference: str = content["application/json"]["schema"]["$ref"]
    return reference.rsplit("/", 1)[-1]


def _gateway_answer(status: int, expected: tuple[int, ...], text: str, where: str) -> None:
    if status not in expected:
        raise ContractViolation(f"{where}: API Gateway answers {expected}, not {status}")
    _body_matches("GatewayError", text, where)


def check(
    gateway: LocalGateway,
    method: str,
    path: str,
    status: int,
    headers: Headers,
    text: str,
) -> None:
    """Raise `ContractViolation` unless the document allows this response to this request."""
    where = f"{method} {path} -> {status}"
    bare_path = unquote(path.split("?")[0])  # as the gateway routes it: %2F is a slash
    if method == "OPTIONS":
        if status != 204:  # preflights are API Gateway's (CORS configuration), never a function's
            raise ContractViolation(f"{where}: a preflight is answered 204")
        return
    if bare_path == UI_PATH or bare_path.startswith(f"{UI_PATH}/"):
        return  # Swagger UI: the local stack's, no operation of the API
    matched = gateway.match(method, bare_path)
    if matched is None:
        _gateway_answer(status, (404,), text, where)
        return
    route = matched[0]
    if status == 413 or (status == 500 and text.startswith('{"message"')):
        _gateway_answer(status, (413, 500), text, where)  # too large; a function that crashed
        return
    operation = _document()["paths"][route.path][route.method.lower()]
    declared = operation["responses"].get(str(status))
    if declared is None:
        raise ContractViolation(
            f"{where}: {route.name} declares only {sorted(operation['responses'])}: {text[:300]}"
        )
    for name, header in declared.get("headers", {}).items():
        component = _document()["components"]["headers"][header["$ref"].rsplit("/", 1)[-1]]
        if component.get("required") and name not in headers:
            raise ContractViolation(f"{where}: the {name} header is missing")
    schema_name = _schema_name(declared)
    if schema_name is None:
        if text:
            raise ContractViolation(f"{where}: {route.name} declares no body, got {text[:200]!r}")
        return
    if not headers.get("Content-Type", "").startswith("application/json"):
        raise ContractViolation(f"{where}: not JSON: {headers.get('Content-Type')!r}")
    _body_matches(schema_name, text, where)
