"""GET /api/profiles/{username}, POST and DELETE /api/profiles/{username}/follow."""

from __future__ import annotations

from tests.api.conftest import Api, beyond_authentication


def test_a_profile_is_public(api: Api) -> None:
    api.register("jake")

    response = api.request("GET", "/api/profiles/jake")

    assert response.status_code == 200
    assert response.json == {"profile": {"username": "jake", "bio": None, "image": None, "following": False}}


def test_profile_lookup_is_case_insensitive(api: Api) -> None:
    api.register("Jake")

    assert api.request("GET", "/api/profiles/JAKE").json["profile"]["username"] == "Jake"


def test_an_unknown_profile_is_a_404(api: Api) -> None:
    response = api.request("GET", "/api/profiles/nobody")

    assert response.status_code == 404
    assert response.json == {"errors": {"profile": ["not found"]}}


def test_following_a_user_shows_in_their_profile_for_the_follower_only(api: Api) -> None:
    api.register("jake")
    jacob = api.register("jacob")
    anne = api.register("anne")

    response = api.request("POST", "/api/profiles/jake/follow", token=jacob["token"])

    assert response.status_code == 200
    assert response.json["profile"] == {"username": "jake", "bio": None, "image": None, "following": True}
    assert api.request("GET", "/api/profiles/jake", token=jacob["token"]).json["profile"]["following"] is True
    assert api.request("GET", "/api/profiles/jake", token=anne["token"]).json["profile"]["following"] is False
    assert api.request("GET", "/api/profiles/jake").json["profile"]["following"] is False


def test_following_twice_is_the_same_as_once(api: Api) -> None:
    api.register("jake")
    jacob = api.register("jacob")
    api.request("POST", "/api/profiles/jake/follow", token=jacob["token"])

    response = api.request("POST", "/api/profiles/jake/follow", token=jacob["token"])

    assert response.status_code == 200
    assert response.json["profile"]["following"] is True
    api.request("DELETE", "/api/profiles/jake/follow", token=jacob["token"])
    assert (
        api.request("GET", "/api/profiles/jake", token=jacob["token"]).json["profile"]["following"] is False
    )


def test_unfollowing_removes_the_follow(api: Api) -> None:
    api.register("jake")
    jacob = api.register("jacob")
    api.request("POST", "/api/profiles/jake/follow", token=jacob["token"])

    response = api.request("DELETE", "/api/profiles/jake/follow", token=jacob["token"])

    assert response.status_code == 200
    assert response.json["profile"]["following"] is False
    assert (
        api.request("GET", "/api/profiles/jake", token=jacob["token"]).json["profile"]["following"] is False
    )


def test_unfollowing_someone_not_followed_is_not_an_error(api: Api) -> None:
    api.register("jake")
    jacob = api.register("jacob")

    response = api.request("DELETE", "/api/profiles/jake/follow", token=jacob["token"])

    assert response.status_code == 200
    assert response.json["profile"]["following"] is False


def test_following_yourself_is_a_422_and_writes_nothing(api: Api) -> None:
    jake = api.register("jake")

    response = api.request("POST", "/api/profiles/jake/follow", token=jake["token"])

    assert response.status_code == 422
    assert response.json == {"errors": {"username": ["can't follow yourself"]}}
    assert "PutItem" not in api.calls.dynamodb


def test_following_an_unknown_user_is_a_404(api: Api) -> None:
    jacob = api.register("jacob")

    for method in ("POST", "DELETE"):
        response = api.request(method, "/api/profiles/nobody/follow", token=jacob["token"])
        assert response.status_code == 404
        assert response.json == {"errors": {"profile": ["not found"]}}


def test_following_needs_a_token(api: Api) -> None:
    api.register("jake")

    for method in ("POST", "DELETE"):
        assert api.request(method, "/api/profiles/jake/follow").status_code == 401


def test_a_follow_survives_a_username_change(api: Api) -> None:
    jake = api.register("jake")
    jacob = api.register("jacob")
    api.request("POST", "/api/profiles/jake/follow", token=jacob["token"])

    api.request("PUT", "/api/user", {"user": {"username": "jake2"}}, token=jake["token"])

    assert (
        api.request("GET", "/api/profiles/jake2", token=jacob["token"]).json["profile"]["following"] is True
    )


def test_a_profile_costs_a_constant_number_of_dynamodb_calls(api: Api) -> None:
    api.register("jake")
    jacob = api.register("jacob")

    api.request("GET", "/api/profiles/jake", token=jacob["token"])

    assert len(beyond_authentication(api.calls)) == 3  # username claim, profile, follow edge
