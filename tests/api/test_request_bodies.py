"""A body API Gateway base64-encoded (any content type it does not take for text) reads as the
same body; one that is not UTF-8 text is a 422, never a 500 (conduit.api.events)."""

from __future__ import annotations

import json

from tests.api.conftest import PASSWORD, Api


def test_a_json_body_sent_as_binary_is_read_as_the_same_json(api: Api) -> None:
    api.register("jake")
    body = json.dumps({"user": {"email": "jake@example.com", "password": PASSWORD}})

    response = api.request(
        "POST", "/api/users/login", raw=body.encode(), headers={"Content-Type": "application/octet-stream"}
    )

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"


def test_a_body_that_is_not_utf_8_is_a_422(api: Api) -> None:
    response = api.request(
        "POST", "/api/users/login", raw=b"\xff\xfe{}", headers={"Content-Type": "application/octet-stream"}
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"body": ["is not valid UTF-8"]}}
