"""Read your writes: a client sees every change it made at once, though the stream worker, which
carries it into lists, counts and copied cards, has not run yet (`lagging`: it runs only when a
test calls `settle`). Other readers see it once the worker has (docs/api.md).

The sequences are those of RealWorld's Postman collection and of a frontend's flows, sent one
after the other with no pause.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.publishing import publish


def get(api: Api, path: str, token: str | None = None) -> Any:
    reply = api.request("GET", path, token=token)
    assert reply.status_code == 200, reply.text
    return reply.json


def favorite(api: Api, token: str, slug: str, method: str = "POST") -> dict[str, Any]:
    reply = api.request(method, f"/api/articles/{slug}/favorite", token=token)
    assert reply.status_code == 200, reply.text
    article: dict[str, Any] = reply.json["article"]
    return article


def slugs(document: dict[str, Any]) -> list[str]:
    return [article["slug"] for article in document["articles"]]


def counts(document: dict[str, Any]) -> dict[str, int]:
    return {article["slug"]: article["favoritesCount"] for article in document["articles"]}


def test_the_postman_collection_sees_its_favorite_counted_in_its_favorites(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake, tagList=["dragons", "training"])["slug"]

    favorited = favorite(lagging, jake, slug)
    first = get(lagging, "/api/articles?favorited=jake", jake)
    again = get(lagging, "/api/articles?favorited=jake", jake)

    assert (favorited["favorited"], favorited["favoritesCount"]) == (True, 1)
    assert [(a["favorited"], a["favoritesCount"]) for a in first["articles"]] == [(True, 1)]
    assert again == first


def test_the_postman_collection_finds_its_new_article_in_its_tag_and_the_site_wide_list(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake, tagList=["dragons", "training"])["slug"]

    by_tag = get(lagging, "/api/articles?tag=dragons", jake)
    everything = get(lagging, "/api/articles", jake)

    assert (slugs(by_tag), by_tag["articlesCount"]) == ([slug], 1)
    assert by_tag["articles"][0]["tagList"] == ["dragons", "training"]
    assert (slugs(everything), everything["articlesCount"]) == ([slug], 1)


def test_a_new_article_reaches_other_readers_once_the_worker_has_run(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    ann = lagging.register("ann")["token"]
    slug = publish(lagging, jake, tagList=["dragons"])["slug"]

    before = get(lagging, "/api/articles?tag=dragons", ann)
    lagging.settle()
    after = get(lagging, "/api/articles?tag=dragons", ann)

    assert (slugs(before), before["articlesCount"]) == ([], 0)
    assert (slugs(after), after["articlesCount"]) == ([slug], 1)


def test_a_deleted_article_leaves_its_authors_tag_list_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    kept = publish(lagging, jake, title="Kept", tagList=["dragons"])["slug"]
    gone = publish(lagging, jake, title="Gone", tagList=["dragons"])["slug"]
    lagging.settle()

    assert lagging.request("DELETE", f"/api/articles/{gone}", token=jake).status_code == 204
    by_tag = get(lagging, "/api/articles?tag=dragons", jake)
    everything = get(lagging, "/api/articles", jake)

    assert (slugs(by_tag), by_tag["articlesCount"]) == ([kept], 1)
    assert (slugs(everything), everything["articlesCount"]) == ([kept], 1)


def test_an_edit_shows_in_its_authors_lists_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake, title="Old title", tagList=["dragons"])["slug"]
    lagging.settle()

    edited = lagging.request("PUT", f"/api/articles/{slug}", {"article": {"title": "New title"}}, token=jake)
    new_slug = edited.json["article"]["slug"]
    listed = [get(lagging, path, jake) for path in ("/api/articles", "/api/articles?tag=dragons")]

    assert [[(a["slug"], a["title"]) for a in page["articles"]] for page in listed] == [
        [(new_slug, "New title")],
        [(new_slug, "New title")],
    ]


def test_the_author_and_tag_list_shows_the_authors_new_article_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake, tagList=["dragons"])["slug"]

    page = get(lagging, "/api/articles?author=jake&tag=dragons", jake)

    assert (slugs(page), page["articlesCount"]) == ([slug], 1)


def test_a_cursor_page_counts_the_callers_new_article(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    for n in range(3):
        publish(lagging, jake, title=f"Older {n}", tagList=["dragons"])
    lagging.settle()
    publish(lagging, jake, title="Newest", tagList=["dragons"])
    first = get(lagging, "/api/articles?tag=dragons&limit=2", jake)

    deeper = get(lagging, f"/api/articles?tag=dragons&limit=2&cursor={first['nextCursor']}", jake)

    assert first["articles"][0]["title"] == "Newest"
    assert (first["articlesCount"], deeper["articlesCount"]) == (4, 4)
    assert [a["title"] for a in deeper["articles"]] == ["Older 1", "Older 0"]


def test_a_repeated_favorite_shows_the_favorite_counted(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake)["slug"]

    answers = [favorite(lagging, jake, slug) for _ in range(2)]

    assert [(a["favorited"], a["favoritesCount"]) for a in answers] == [(True, 1), (True, 1)]


def test_the_count_read_after_a_favorite_counts_it_beside_everyone_elses(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    ann = lagging.register("ann")["token"]
    slug = publish(lagging, jake, tagList=["dragons"])["slug"]
    favorite(lagging, ann, slug)
    lagging.settle()

    favorite(lagging, jake, slug)
    article = get(lagging, f"/api/articles/{slug}", jake)["article"]
    listed = [
        counts(get(lagging, path, jake))[slug] for path in ("/api/articles", "/api/articles?tag=dragons")
    ]

    assert (article["favorited"], article["favoritesCount"]) == (True, 2)
    assert listed == [2, 2]


def test_an_unfavorite_shows_in_every_count_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake)["slug"]
    favorite(lagging, jake, slug)
    lagging.settle()

    undone = favorite(lagging, jake, slug, method="DELETE")
    article = get(lagging, f"/api/articles/{slug}", jake)["article"]
    listed = get(lagging, "/api/articles", jake)["articles"][0]

    assert [(a["favorited"], a["favoritesCount"]) for a in (undone, article, listed)] == [(False, 0)] * 3


def test_favorites_in_a_row_are_all_in_the_callers_tag_filtered_favorites(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    published = [publish(lagging, jake, title=f"Article {n}", tagList=["dragons"])["slug"] for n in range(5)]
    lagging.settle()

    for slug in published:
        favorite(lagging, jake, slug)
    page = get(lagging, "/api/articles?favorited=jake&tag=dragons", jake)
    by_author = get(lagging, "/api/articles?favorited=jake&author=jake", jake)

    assert (sorted(slugs(page)), page["articlesCount"]) == (sorted(published), 5)
    assert by_author["articlesCount"] == 5
    assert set(counts(page).values()) == {1}


def test_a_document_never_shows_a_favorite_beside_a_count_without_it(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    published = [publish(lagging, jake, title=f"Article {n}")["slug"] for n in range(3)]
    for slug in published:
        favorite(lagging, jake, slug)

    pages = [get(lagging, path, jake) for path in ("/api/articles", "/api/articles?favorited=jake")]

    assert [(a["favorited"], a["favoritesCount"]) for p in pages for a in p["articles"]] == [(True, 1)] * 6


def test_a_new_name_shows_on_the_authors_articles_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake, tagList=["dragons"])["slug"]
    lagging.settle()

    changed = {"user": {"username": "jacob", "bio": "I work at statefarm"}}
    assert lagging.request("PUT", "/api/user", changed, token=jake).status_code == 200
    article = get(lagging, f"/api/articles/{slug}", jake)["article"]
    listed = [
        get(lagging, path, jake)["articles"][0] for path in ("/api/articles", "/api/articles?tag=dragons")
    ]

    assert [(a["author"]["username"], a["author"]["bio"]) for a in (article, *listed)] == [
        ("jacob", "I work at statefarm")
    ] * 3


def test_the_worker_clears_what_it_has_carried_so_pages_cost_as_before(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake, tagList=["dragons"])["slug"]
    favorite(lagging, jake, slug)
    lagging.request("PUT", "/api/user", {"user": {"bio": "new"}}, token=jake)
    get(lagging, "/api/articles?tag=dragons", jake)
    pending = Counter(lagging.calls.dynamodb)
    lagging.settle()

    get(lagging, "/api/articles?tag=dragons", jake)
    carried = Counter(lagging.calls.dynamodb)

    assert pending["TransactGetItems"] >= 1  # the favorite's count, read from its source
    assert carried["TransactGetItems"] == 0
    assert carried == Counter({"Query": 4 + 3})  # shards, follow edges, pending changes, flags


def feed(api: Api, token: str, query: str = "") -> Any:
    return get(api, f"/api/articles/feed{query}", token)


def test_a_follow_brings_the_authors_articles_into_the_feed_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    ann = lagging.register("ann")["token"]
    published = [publish(lagging, jake, title=f"Jake {n}")["slug"] for n in range(3)]
    lagging.settle()

    assert lagging.request("POST", "/api/profiles/jake/follow", token=ann).status_code == 200
    page = feed(lagging, ann)
    lagging.settle()
    carried = feed(lagging, ann)

    assert (slugs(page), page["articlesCount"]) == (published[::-1], 3)
    assert all(a["author"]["following"] for a in page["articles"])
    assert (slugs(carried), carried["articlesCount"]) == (published[::-1], 3)


def test_an_unfollow_takes_the_authors_articles_out_of_the_feed_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    ann = lagging.register("ann")["token"]
    lagging.register("bob")
    publish(lagging, jake, title="Jake's")
    bobs = publish(lagging, lagging.register("carl")["token"], title="Carl's")["slug"]
    for name in ("jake", "carl"):
        lagging.request("POST", f"/api/profiles/{name}/follow", token=ann)
    lagging.settle()

    assert lagging.request("DELETE", "/api/profiles/jake/follow", token=ann).status_code == 200
    page = feed(lagging, ann)
    lagging.settle()
    carried = feed(lagging, ann)

    assert (slugs(page), page["articlesCount"]) == ([bobs], 1)
    assert (slugs(carried), carried["articlesCount"]) == ([bobs], 1)


def test_following_and_unfollowing_again_and_again_shows_the_last_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    ann = lagging.register("ann")["token"]
    slug = publish(lagging, jake)["slug"]
    lagging.settle()

    seen = []
    for method in ("POST", "DELETE", "POST", "DELETE", "POST"):
        lagging.request(method, "/api/profiles/jake/follow", token=ann)
        page = feed(lagging, ann)
        seen.append((slugs(page), page["articlesCount"]))
        if method == "DELETE":
            lagging.settle()  # the worker catches up now and then

    assert seen == [([slug], 1), ([], 0), ([slug], 1), ([], 0), ([slug], 1)]


def test_a_follow_of_a_celebrity_shows_in_the_feed_at_once(lagging: Api) -> None:
    star = lagging.register("star")["token"]
    slug = publish(lagging, star)["slug"]
    for n in range(3):  # the tests' celebrity threshold
        lagging.request("POST", "/api/profiles/star/follow", token=lagging.register(f"fan{n}")["token"])
    lagging.settle()
    ann = lagging.register("ann")["token"]

    lagging.request("POST", "/api/profiles/star/follow", token=ann)
    page = feed(lagging, ann)
    lagging.settle()
    carried = feed(lagging, ann)

    assert [(slugs(p), p["articlesCount"]) for p in (page, carried)] == [([slug], 1)] * 2


def test_the_following_flag_shows_a_follow_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    ann = lagging.register("ann")["token"]
    slug = publish(lagging, jake)["slug"]
    lagging.settle()

    lagging.request("POST", "/api/profiles/jake/follow", token=ann)
    article = get(lagging, f"/api/articles/{slug}", ann)["article"]
    listed = get(lagging, "/api/articles", ann)["articles"][0]
    profile = get(lagging, "/api/profiles/jake", ann)["profile"]

    assert [article["author"]["following"], listed["author"]["following"], profile["following"]] == [True] * 3


def comments_of(api: Api, slug: str, token: str | None) -> list[tuple[str, str]]:
    return [
        (c["body"], c["author"]["username"])
        for c in get(api, f"/api/articles/{slug}/comments", token)["comments"]
    ]


def test_a_new_name_shows_on_the_authors_comments_at_once(lagging: Api) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake)["slug"]
    lagging.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "first"}}, token=jake)
    lagging.settle()

    lagging.request("PUT", "/api/user", {"user": {"username": "jacob"}}, token=jake)

    assert comments_of(lagging, slug, jake) == [("first", "jacob")]


def test_a_comment_shows_for_its_writer_even_from_a_replica_that_has_not_seen_it(
    lagging: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    jake = lagging.register("jake")["token"]
    ann = lagging.register("ann")["token"]
    slug = publish(lagging, jake)["slug"]
    lagging.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "older"}}, token=jake)
    lagging.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "newest"}}, token=jake)
    behind(monkeypatch, "newest")

    assert comments_of(lagging, slug, jake) == [("newest", "jake"), ("older", "jake")]
    assert comments_of(lagging, slug, ann) == [("older", "jake")]  # others: a moment later


def test_a_deleted_comment_is_gone_for_its_writer_even_from_a_replica_that_still_has_it(
    lagging: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    jake = lagging.register("jake")["token"]
    slug = publish(lagging, jake)["slug"]
    path = f"/api/articles/{slug}/comments"
    kept = lagging.request("POST", path, {"comment": {"body": "kept"}}, token=jake)
    gone = lagging.request("POST", path, {"comment": {"body": "gone"}}, token=jake).json["comment"]
    stale = list(comment_records(slug))

    lagging.request("DELETE", f"{path}/{gone['id']}", token=jake)
    serve_from(monkeypatch, stale)

    assert kept.status_code == 200
    assert comments_of(lagging, slug, jake) == [("kept", "jake")]


def comment_records(slug: str) -> Any:
    from conduit.articles import store as articles
    from conduit.comments.store import Newest

    newest = Newest(str(articles.id_of_slug(slug)))
    for call in newest.first_calls():
        call()
    return [record for records in newest.read.values() for record in records]


def behind(monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """Comment pages are read from a replica that has not seen the comment `body` yet."""
    from conduit.comments.store import CommentRecord

    query = CommentRecord.query

    def replica(*args: Any, **kwargs: Any) -> Any:
        return [record for record in query(*args, **kwargs) if record.body != body]

    monkeypatch.setattr(CommentRecord, "query", replica)


def serve_from(monkeypatch: pytest.MonkeyPatch, records: list[Any]) -> None:
    """Comment pages are read from a replica that still holds these records."""
    from conduit.comments.store import CommentRecord

    def replica(thread: str, *args: Any, **kwargs: Any) -> Any:
        return sorted((r for r in records if r.thread == thread), key=lambda r: -int(r.comment_id))

    monkeypatch.setattr(CommentRecord, "query", replica)


def test_the_postman_collection_in_order_with_the_worker_behind(lagging: Api) -> None:
    """RealWorld's Postman collection, request after request, with every check it makes on a
    list, a count or a flag (its shape checks are the conformance tests')."""
    user = {"username": "johnjacob", "email": "john@jacob.com", "password": "johnnyjacob"}
    lagging.request("POST", "/api/users", {"user": user})
    login = {"user": {"email": user["email"], "password": user["password"]}}
    token = lagging.request("POST", "/api/users/login", login).json["user"]["token"]
    assert (
        lagging.request("PUT", "/api/user", {"user": {"email": user["email"]}}, token=token).status_code
        == 200
    )
    for path in ("/api/articles", "/api/articles?author=johnjacob", "/api/articles?favorited=johnjacob"):
        assert get(lagging, path)["articlesCount"] == 0
    dragons = {
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "Very carefully.",
    }
    created = lagging.request(
        "POST", "/api/articles", {"article": {**dragons, "tagList": ["training", "dragons"]}}, token=token
    ).json["article"]
    slug = created["slug"]

    feed_page = feed(lagging, token)
    everything = get(lagging, "/api/articles", token)
    by_author = get(lagging, "/api/articles?author=johnjacob", token)
    single = get(lagging, f"/api/articles/{slug}", token)["article"]
    by_tag = get(lagging, "/api/articles?tag=dragons", token)
    updated = lagging.request(
        "PUT", f"/api/articles/{slug}", {"article": {"body": "With two hands"}}, token=token
    )
    favorited = favorite(lagging, token, slug)
    favorites = [get(lagging, "/api/articles?favorited=johnjacob", token) for _ in range(2)]
    unfavorited = favorite(lagging, token, slug, method="DELETE")
    comment = lagging.request(
        "POST", f"/api/articles/{slug}/comments", {"comment": {"body": "Thank you so much!"}}, token=token
    ).json["comment"]
    comments = [get(lagging, f"/api/articles/{slug}/comments", t)["comments"] for t in (token, None)]
    deleted_comment = lagging.request("DELETE", f"/api/articles/{slug}/comments/{comment['id']}", token=token)
    deleted = lagging.request("DELETE", f"/api/articles/{slug}", token=token)
    celeb = {"username": "celeb_johnjacob", "email": "celeb@jacob.com", "password": "johnnyjacob"}
    lagging.request("POST", "/api/users", {"user": celeb})
    followed = lagging.request("POST", "/api/profiles/celeb_johnjacob/follow", token=token).json["profile"]
    unfollowed = lagging.request("DELETE", "/api/profiles/celeb_johnjacob/follow", token=token).json[
        "profile"
    ]

    assert feed_page["articlesCount"] == 0  # one's own articles are not in one's feed
    assert [everything["articlesCount"], by_author["articlesCount"], by_tag["articlesCount"]] == [1, 1, 1]
    assert by_tag["articles"][0]["tagList"] == ["dragons", "training"]
    assert (single["slug"], updated.json["article"]["body"]) == (slug, "With two hands")
    assert (favorited["favorited"], favorited["favoritesCount"]) == (True, 1)
    assert [[(a["favorited"], a["favoritesCount"]) for a in page["articles"]] for page in favorites] == [
        [(True, 1)]
    ] * 2
    assert (unfavorited["favorited"], unfavorited["favoritesCount"]) == (False, 0)
    assert [[c["body"] for c in page] for page in comments] == [["Thank you so much!"]] * 2
    assert (deleted_comment.status_code, deleted.status_code) == (204, 204)
    assert (followed["following"], unfollowed["following"]) == (True, False)
    assert get(lagging, "/api/articles?tag=dragons", token)["articlesCount"] == 0
