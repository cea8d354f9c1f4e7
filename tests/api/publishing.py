"""Helpers for article tests: publishing through the API."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def publish(api: Api, token: str, title: str = "How to train your dragon", **fields: Any) -> dict[str, Any]:
    article = {"title": title, "description": "Ever wonder how?", "body": "It takes a Jacobian", **fields}
    response = api.request("POST", "/api/articles", {"article": article}, token=token)
    assert response.status_code == 201, response.text
    published: dict[str, Any] = response.json["article"]
    return published


def titles(result: dict[str, Any]) -> list[str]:
    """The titles of a list response, in order."""
    return [article["title"] for article in result["articles"]]
