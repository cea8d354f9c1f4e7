"""`image` is an absolute http(s) URL with a host, and nothing a frontend that writes it into an
attribute unescaped could be tricked by (RealWorld issue 525's payload)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

UNSAFE = "can't contain spaces, quotes, angle brackets, backslashes or invisible characters"
NOT_A_URL = "must be an http(s) URL"


@pytest.fixture
def jake(api: Api) -> dict[str, Any]:
    return api.register("jake")


@pytest.mark.parametrize(
    "image",
    [
        'https://x/a.jpg"onerror="alert(1)',  # RealWorld issue 525
        "https://x/a.jpg'onerror='alert(1)",
        "https://x/a.jpg><script>alert(1)</script>",
        "https://x/a b.jpg",
        "https://x/a\u00a0b.jpg",  # a no-break space is a space too
        "https://x\\@evil.example/a.jpg",
        "https://x/a.jpg`onerror=`alert(1)",
        "https://x/\u202egpj.exe",
    ],
)
def test_an_image_with_a_quote_space_angle_bracket_or_backslash_is_refused(
    api: Api, jake: dict[str, Any], image: str
) -> None:
    response = api.request("PUT", "/api/user", {"user": {"image": image}}, token=jake["token"])

    assert response.status_code == 422
    assert response.json == {"errors": {"image": [UNSAFE]}}
    assert api.request("GET", "/api/profiles/jake").json["profile"]["image"] is None


@pytest.mark.parametrize(
    "image",
    ["https:///a.jpg", "https://", "http:a.jpg", "//x/a.jpg", "ftp://x/a.jpg", "https://x:99999/a.jpg"],
)
def test_an_image_that_is_not_an_absolute_http_url_with_a_host_is_refused(
    api: Api, jake: dict[str, Any], image: str
) -> None:
    response = api.request("PUT", "/api/user", {"user": {"image": image}}, token=jake["token"])

    assert response.json == {"errors": {"image": [NOT_A_URL]}}


def test_a_control_character_in_an_image_is_refused_as_such(api: Api, jake: dict[str, Any]) -> None:
    response = api.request(
        "PUT", "/api/user", {"user": {"image": "https://x/a\u0000.jpg"}}, token=jake["token"]
    )

    assert response.json == {"errors": {"image": ["can't contain control characters"]}}


@pytest.mark.parametrize(
    "image",
    [
        "https://api.realworld.io/images/smiley-cyrus.jpeg",
        "http://example.com:8080/a.png?size=80&v=2#top",
        "HTTPS://EXAMPLE.COM/A.PNG",
        "https://[2001:db8::1]/a.png",
        "https://example.com/caf%C3%A9%22.png",  # percent-encoded, a quote is harmless
    ],
)
def test_ordinary_image_urls_are_kept_as_sent(api: Api, jake: dict[str, Any], image: str) -> None:
    response = api.request("PUT", "/api/user", {"user": {"image": image}}, token=jake["token"])

    assert response.status_code == 200, response.text
    assert response.json["user"]["image"] == image
