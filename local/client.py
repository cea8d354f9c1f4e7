"""A plain JSON client for a running local stack (or any stage): what scripts and the
end-to-end tests speak to it with, standard library only."""

from __future__ import annotations

import json
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    """`method base+path` with `body` as JSON and the spec's `Token` scheme; (status, JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = Request(base + path, method=method, data=data)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
