"""`GET /api/user/export`: one document of everything an account holds, a bounded page of each
part per answer, and the rest part by part from the cursor the answer gives."""

from __future__ import annotations

from typing import Any

import pytest

from conduit.users import export
from tests.api.conftest import Api
from tests.api.publishing import publish


def get(api: Api, path: str, token: str) -> Any:
    reply = api.request("GET", path, token=token)
    assert reply.status_code == 200, reply.text
    return reply.json


def send(api: Api, method: str, path: str, token: str, body: Any = None) -> None:
    reply = api.request(method, path, body, token=token)
    assert reply.status_code in (200, 201), reply.text


def world(api: Api) -> tuple[str, dict[str, str]]:
    """Jake writes, comments, favorites and follows; alice and bob follow him."""
    jake, alice, bob = (api.register(name)["token"] for name in ("jake", "alice", "bob"))
    send(api, "PUT", "/api/user", jake, {"user": {"bio": "I like to skateboard"}})
    mine = publish(api, jake, "Jake on dragons", body="Dragons **fly**", tagList=["dragons"])["slug"]
    hers = publish(api, alice, "Alice on knots")["slug"]
    send(api, "POST", f"/api/articles/{hers}/comments", jake, {"comment": {"body": "Nice knots"}})
    send(api, "POST", f"/api/articles/{hers}/favorite", jake)
    send(api, "POST", "/api/profiles/alice/follow", jake)
    for follower in (alice, bob):
        send(api, "POST", "/api/profiles/jake/follow", follower)
    return jake, {"mine": mine, "hers": hers}


def test_the_export_holds_the_profile_articles_comments_favorites_and_follows(api: Api) -> None:
    jake, slugs = world(api)

    document = get(api, "/api/user/export", jake)["export"]

    assert document["profile"] | {"createdAt": None} == {
        "username": "jake",
        "email": "jake@example.com",
        "bio": "I like to skateboard",
        "image": None,
        "createdAt": None,
    }
    [article] = document["articles"]
    assert (article["slug"], article["body"], article["tagList"]) == (
        slugs["mine"],
        "Dragons **fly**",
        ["dragons"],
    )
    assert [(c["article"], c["body"]) for c in document["comments"]] == [(slugs["hers"], "Nice knots")]
    assert document["favorites"] == [slugs["hers"]]
    assert document["following"] == ["alice"]
    assert sorted(document["followers"]) == ["alice", "bob"]
    assert (document["complete"], document["next"]) == (True, {})


def test_a_large_account_is_exported_part_by_part_from_the_cursors(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "PAGE", 2)
    monkeypatch.setattr(export, "ARTICLES_PAGE", 2)
    jake, slugs = world(api)
    titles = [publish(api, jake, f"More {n}")["slug"] for n in range(4)]
    for n in range(4):
        send(api, "POST", f"/api/articles/{slugs['hers']}/comments", jake, {"comment": {"body": f"c{n}"}})

    first = get(api, "/api/user/export", jake)["export"]
    collected: dict[str, list[Any]] = {part: list(first[part]) for part in first["next"]}
    for part, cursor in first["next"].items():
        while cursor:
            page = get(api, f"/api/user/export?part={part}&cursor={cursor}", jake)["export"]
            collected[part] += page[part]
            cursor = page["next"].get(part)

    assert first["complete"] is False
    assert set(first["next"]) == {"articles", "comments"}
    assert sorted(a["slug"] for a in collected["articles"]) == sorted([slugs["mine"], *titles])
    assert sorted(c["body"] for c in collected["comments"]) == ["Nice knots", "c0", "c1", "c2", "c3"]


@pytest.mark.parametrize(
    "query",
    [
        "?cursor=abc",
        "?part=articles&cursor=not-base64!",
        "?part=nothing",
        "?part=comments&cursor=eyJhZnRlciI6IDF9",
    ],
)
def test_a_cursor_or_part_the_export_never_gave_is_refused(api: Api, query: str) -> None:
    jake = api.register("jake")["token"]

    reply = api.request("GET", f"/api/user/export{query}", token=jake)

    assert reply.status_code == 422, reply.text


def test_the_export_reads_in_at_most_three_round_trips(api: Api) -> None:
    jake, _ = world(api)

    api.request("GET", "/api/user/export", token=jake)

    # 1 profile + 1 author list + 1 byAuthor + 1 favorites + 1 follows + 8 byFollowee shards,
    # then 4 batch reads, then 1: what the account holds does not change it
    assert len(api.calls.dynamodb) <= 19
