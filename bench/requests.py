"""Sections 2-4: DynamoDB calls, round trips and capacity units per endpoint, scaling of the
feed and of paging, and the time handlers spend outside AWS calls.

Every request goes through the local gateway (werkzeug test client -> API Gateway event ->
handler), as the API tests do; the stream worker is not run, since its work is off the
request path.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from werkzeug.test import Client

from bench import revocation, stats, waves
from bench.dataset import Meta
from bench.recorder import Recorded, Recorder
from bench.world import forge_token

PASSWORD = "bench-password"
Request = tuple[str, str, Any, str | None]  # method, path, JSON body, token


@dataclass
class Measured:
    """One request's AWS usage."""

    case: str
    route: str
    status: int
    dynamodb_calls: list[str]
    cognito_calls: list[str]
    dynamodb_round_trips: int  # from which thread made each call (see waves.structural_round_trips)
    dynamodb_round_trips_by_timing: int  # from call timings alone: a cross-check
    cognito_round_trips: int
    read_units: float
    query_read_units: float  # the listing/comment Query alone (what grows with depth)
    write_units: float
    extra_query_pages: int


def summarise(case: str, route: str, status: int, calls: list[Recorded]) -> Measured:
    dynamodb = sorted((c for c in calls if c.service == "dynamodb"), key=lambda c: c.start)
    cognito = sorted((c for c in calls if c.service == "cognito-idp"), key=lambda c: c.start)
    main = threading.main_thread().name
    return Measured(
        case=case,
        route=route,
        status=status,
        dynamodb_calls=[c.operation for c in sorted(dynamodb, key=lambda c: c.start)],
        cognito_calls=[c.operation for c in sorted(cognito, key=lambda c: c.start)],
        dynamodb_round_trips=waves.structural_round_trips([c.thread for c in dynamodb], main),
        dynamodb_round_trips_by_timing=waves.sequential_round_trips([(c.start, c.end) for c in dynamodb]),
        cognito_round_trips=waves.structural_round_trips([c.thread for c in cognito], main),
        read_units=round(sum(c.read_units for c in dynamodb), 2),
        query_read_units=round(sum(c.read_units for c in dynamodb if c.operation == "Query"), 2),
        write_units=round(sum(c.write_units for c in dynamodb), 2),
        extra_query_pages=sum(c.extra_pages for c in dynamodb),
    )


class Driver:
    """Sends requests through the gateway as seeded or registered users."""

    def __init__(self, meta: Meta, recorder: Recorder) -> None:
        from local.gateway import LocalGateway

        self.meta = meta
        self.recorder = recorder
        _patient_index_queries()
        self.gateway = LocalGateway()
        self.client = Client(self.gateway)
        self._numbers = itertools.count()
        self.handler_times: list[tuple[float, float]] = []
        self._wrap_handlers()
        self.reader_id, self.reader_name = meta.users[0]  # has a materialised feed
        self.other_id, self.other_name = meta.users[1]
        self.token = forge_token(self.reader_id)
        self.registered = self.register()

    def _wrap_handlers(self) -> None:
        """Time each handler call; the gateway keeps loaded handlers by route name."""
        from conduit.routes import ROUTES
        from local.gateway import load_handler

        for route in ROUTES:
            inner = load_handler(route.handler)

            def timed(event: dict[str, Any], context: Any, inner: Any = inner) -> dict[str, Any]:
                start = time.perf_counter()
                try:
                    result: dict[str, Any] = inner(event, context)
                    return result
                finally:
                    self.handler_times.append((start, time.perf_counter()))

            self.gateway._handlers[route.name] = timed

    def send(self, request: Request) -> tuple[int, Any]:
        method, path, body, token = request
        headers = {"Authorization": f"Token {token}"} if token else {}
        if body is not None:
            response = self.client.open(path, method=method, json=body, headers=headers)
        else:
            response = self.client.open(path, method=method, headers=headers)
        text = response.get_data(as_text=True)
        return response.status_code, (json.loads(text) if text else None)

    def number(self) -> int:
        return next(self._numbers)

    def register(self) -> dict[str, Any]:
        name = f"bench{uuid.uuid4().hex[:10]}"
        status, body = self.send(("POST", "/api/users", _user(name), None))
        assert status == 201, body
        user: dict[str, Any] = body["user"]
        return user

    def publish(self, token: str | None = None, title: str | None = None) -> dict[str, Any]:
        article = {
            "title": title or f"Bench article {uuid.uuid4().hex[:8]}",
            "description": "what the bench writes",
            "body": "A realistic body. " * 60,
            "tagList": self.meta.tags[:3],
        }
        status, body = self.send(("POST", "/api/articles", {"article": article}, token or self.token))
        assert status == 201, body
        published: dict[str, Any] = body["article"]
        return published

    def sample_slug(self, n: int) -> str:
        return self.meta.articles[n % len(self.meta.articles)][1]


def _patient_index_queries() -> None:
    """moto answers a Query on a GSI by scanning the whole table (about 5 s over the full
    dataset's listings), past the functions' 2 s read timeout; DynamoDB reads only the index
    partition. So the shared DynamoDB client of this process waits longer (and does not retry)."""
    from dataclasses import replace

    from conduit import retries, storage

    retries.BUDGET = replace(retries.BUDGET, read_timeout_seconds=120, max_attempts=1)
    retries.config.cache_clear()
    storage.reset()


def _user(name: str) -> dict[str, Any]:
    return {"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}}


Prepare = Callable[[Driver], Request]


def _cases() -> list[tuple[str, str, Prepare]]:
    """(case, route, prepare): each prepare does its set-up untimed and returns the request."""
    favorited: list[str] = []

    def register(d: Driver) -> Request:
        return ("POST", "/api/users", _user(f"bench{uuid.uuid4().hex[:10]}"), None)

    def login(d: Driver) -> Request:
        credentials = {"email": d.registered["email"], "password": PASSWORD}
        return ("POST", "/api/users/login", {"user": credentials}, None)

    def update_user(d: Driver) -> Request:
        return ("PUT", "/api/user", {"user": {"bio": f"bio {d.number()}"}}, d.registered["token"])

    def rename_user(d: Driver) -> Request:
        name = f"renamed{uuid.uuid4().hex[:8]}"
        body = {"user": {"username": name}}
        return ("PUT", "/api/user", body, d.registered["token"])

    def favorite(d: Driver) -> Request:
        slug = d.sample_slug(100 + d.number())
        favorited.append(slug)
        return ("POST", f"/api/articles/{slug}/favorite", None, d.token)

    def unfavorite(d: Driver) -> Request:
        slug = favorited.pop(0) if favorited else d.sample_slug(d.number())
        d.send(("POST", f"/api/articles/{slug}/favorite", None, d.token))
        return ("DELETE", f"/api/articles/{slug}/favorite", None, d.token)

    def update_article(d: Driver) -> Request:
        slug = d.publish()["slug"]
        return ("PUT", f"/api/articles/{slug}", {"article": {"body": "changed " * 50}}, d.token)

    def retitle_article(d: Driver) -> Request:
        slug = d.publish()["slug"]
        body = {"article": {"title": f"Retitled {uuid.uuid4().hex[:8]}"}}
        return ("PUT", f"/api/articles/{slug}", body, d.token)

    def delete_article(d: Driver) -> Request:
        return ("DELETE", f"/api/articles/{d.publish()['slug']}", None, d.token)

    def delete_comment(d: Driver) -> Request:
        slug = d.sample_slug(d.number())
        status, body = d.send(("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "x"}}, d.token))
        assert status in (200, 201), body
        return ("DELETE", f"/api/articles/{slug}/comments/{body['comment']['id']}", None, d.token)

    def create_article(d: Driver) -> Request:
        article = {
            "title": f"Bench article {uuid.uuid4().hex[:8]}",
            "description": "what the bench writes",
            "body": "A realistic body. " * 60,
            "tagList": d.meta.tags[:3],
        }
        return ("POST", "/api/articles", {"article": article}, d.token)

    tag = "lambda"
    return [
        ("POST /api/users", "RegisterUser", register),
        ("POST /api/users/login", "LoginUser", login),
        ("GET /api/user", "GetCurrentUser", lambda d: ("GET", "/api/user", None, d.token)),
        ("PUT /api/user (bio)", "UpdateCurrentUser", update_user),
        ("PUT /api/user (username)", "UpdateCurrentUser", rename_user),
        (
            "GET /api/profiles/{username}",
            "GetProfile",
            lambda d: ("GET", f"/api/profiles/{d.other_name}", None, d.token),
        ),
        (
            "POST /api/profiles/{username}/follow",
            "FollowUser",
            lambda d: ("POST", f"/api/profiles/{d.other_name}/follow", None, d.token),
        ),
        (
            "DELETE /api/profiles/{username}/follow",
            "UnfollowUser",
            lambda d: ("DELETE", f"/api/profiles/{d.other_name}/follow", None, d.token),
        ),
        ("GET /api/articles", "ListArticles", lambda d: ("GET", "/api/articles?limit=20", None, d.token)),
        (
            "GET /api/articles?tag",
            "ListArticles",
            lambda d: ("GET", f"/api/articles?tag={tag}&limit=20", None, d.token),
        ),
        (
            "GET /api/articles?author",
            "ListArticles",
            lambda d: ("GET", f"/api/articles?author={d.other_name}&limit=20", None, d.token),
        ),
        (
            "GET /api/articles?favorited",
            "ListArticles",
            lambda d: ("GET", f"/api/articles?favorited={d.other_name}&limit=20", None, d.token),
        ),
        ("GET /api/articles (anonymous)", "ListArticles", lambda d: ("GET", "/api/articles", None, None)),
        (
            "GET /api/articles/feed",
            "FeedArticles",
            lambda d: ("GET", "/api/articles/feed?limit=20", None, d.token),
        ),
        (
            "GET /api/articles/{slug}",
            "GetArticle",
            lambda d: ("GET", f"/api/articles/{d.sample_slug(d.number())}", None, d.token),
        ),
        ("POST /api/articles", "CreateArticle", create_article),
        ("PUT /api/articles/{slug} (body)", "UpdateArticle", update_article),
        ("PUT /api/articles/{slug} (title)", "UpdateArticle", retitle_article),
        ("DELETE /api/articles/{slug}", "DeleteArticle", delete_article),
        ("POST /api/articles/{slug}/favorite", "FavoriteArticle", favorite),
        ("DELETE /api/articles/{slug}/favorite", "UnfavoriteArticle", unfavorite),
        (
            "GET /api/articles/{slug}/comments",
            "ListComments",
            lambda d: ("GET", f"/api/articles/{d.meta.commented[1]}/comments", None, d.token),
        ),
        (
            "POST /api/articles/{slug}/comments",
            "AddComment",
            lambda d: (
                "POST",
                f"/api/articles/{d.sample_slug(d.number())}/comments",
                {"comment": {"body": "A thoughtful comment. " * 5}},
                d.token,
            ),
        ),
        ("DELETE /api/articles/{slug}/comments/{id}", "DeleteComment", delete_comment),
        ("GET /api/tags", "ListTags", lambda d: ("GET", "/api/tags", None, None)),
        ("GET /api/openapi.json", "GetOpenApiDocument", lambda d: ("GET", "/api/openapi.json", None, None)),
    ]


def measure(driver: Driver, case: str, route: str, request: Request) -> Measured:
    with driver.recorder.recording() as calls:
        status, body = driver.send(request)
    if status >= 400:
        raise RuntimeError(f"{case}: HTTP {status} {body}")
    return summarise(case, route, status, calls)


def endpoint_costs(driver: Driver) -> list[dict[str, Any]]:
    """Section 2: each case once, with capacity units; and what the stream worker then reads
    and writes for it (its own records only: the pump starts at the end of every stream)."""
    from local.streams import StreamPump

    driver.recorder.measure_capacity = True
    pump = StreamPump(from_latest=True)
    pump.drain()
    results = []
    for case, route, prepare in _cases():
        driver.send(prepare(driver)) if case == "GET /api/user" else None  # keys fetched once
        request = prepare(driver)
        pump.drain()  # what the set-up wrote is not this request's
        revocation.prime(request[3])  # the caller's sessions as read this minute (bench/revocation.py)
        row = asdict(measure(driver, case, route, request))
        with driver.recorder.recording() as calls:
            pump.drain()
        worker = [c for c in calls if c.service == "dynamodb" and c.operation not in ("DescribeTable",)]
        row["worker_read_units"] = round(sum(c.read_units for c in worker), 2)
        row["worker_write_units"] = round(sum(c.write_units for c in worker), 2)
        results.append(row)
    driver.recorder.measure_capacity = False
    return results


def scaling(driver: Driver) -> dict[str, Any]:
    """Section 3: the feed by authors followed, and paging by offset and by cursor."""
    from conduit.listings import store as listings

    driver.recorder.measure_capacity = True
    feed = []
    for follows, (user_id, _) in sorted(driver.meta.readers.items(), key=lambda r: int(r[0])):
        token = forge_token(user_id)
        measured = measure(
            driver, f"feed {follows}", "FeedArticles", ("GET", "/api/articles/feed", None, token)
        )
        _, body = driver.send(("GET", "/api/articles/feed?limit=1", None, token))
        pulled = listings.stats(user_id).pulls
        row = {"followed": int(follows), "feed_entries": body["articlesCount"], "celebrities_pulled": pulled}
        feed.append(row | asdict(measured))
    offsets = []
    cursors = []
    for offset in (0, 100, 1000, 10_000):
        path = f"/api/articles?limit=20&offset={offset}"
        offsets.append(
            {
                "offset": offset,
                **asdict(measure(driver, f"offset {offset}", "ListArticles", ("GET", path, None, None))),
            }
        )
        # The cursor after the entry just before `offset + 20`: a page starting at the same depth.
        _, body = driver.send(("GET", f"/api/articles?limit=20&offset={max(0, offset - 20)}", None, None))
        cursor = body.get("nextCursor")
        if cursor and offset:
            path = f"/api/articles?limit=20&cursor={cursor}"
            cursors.append(
                {
                    "depth": offset,
                    **asdict(measure(driver, f"cursor {offset}", "ListArticles", ("GET", path, None, None))),
                }
            )
    driver.recorder.measure_capacity = False
    _, body = driver.send(("GET", "/api/articles?limit=1", None, None))
    return {"feed": feed, "offset": offsets, "cursor": cursors, "all_articles": body["articlesCount"]}


def overhead(
    driver: Driver, iterations: int, baseline_handler: Callable[[dict[str, Any], Any], Any]
) -> dict[str, Any]:
    """Section 4: handler time outside AWS calls, per case, and a do-nothing Powertools handler."""
    driver.recorder.measure_capacity = False
    per_case: dict[str, Any] = {}
    seen: set[str] = set()
    for case, route, prepare in _cases():
        if route in seen:
            continue  # the first case of each route
        seen.add(route)
        samples = []
        totals = []
        for attempt in range(iterations + 2):
            request = prepare(driver)
            driver.handler_times.clear()
            with driver.recorder.recording() as calls:
                status, body = driver.send(request)
            if status >= 400:
                raise RuntimeError(f"{case}: HTTP {status} {body}")
            start, end = driver.handler_times[-1]
            inside = [(c.start, c.end) for c in calls if start <= c.start <= end]
            if attempt >= 2:  # the first calls load the handler and fetch the signing keys
                samples.append((end - start - waves.busy_time(inside)) * 1000)
                totals.append((end - start) * 1000)
        per_case[route] = {
            "case": case,
            "p50_ms": round(stats.percentile(samples, 50), 3),
            "p99_ms": round(stats.percentile(samples, 99), 3),
            "total_p50_ms": round(stats.percentile(totals, 50), 3),
        }
    baseline = _time_baseline(driver, baseline_handler, iterations)
    return {"iterations": iterations, "endpoints": per_case, "baseline": baseline}


def _time_baseline(
    driver: Driver, handler: Callable[[dict[str, Any], Any], Any], iterations: int
) -> dict[str, float]:
    from werkzeug.test import EnvironBuilder

    from conduit.routes import ROUTES_BY_NAME
    from local.gateway import LambdaContext, build_event

    route = ROUTES_BY_NAME["ListTags"]
    event = build_event(EnvironBuilder(path="/api/tags").get_request(), route, {})
    samples = []
    for attempt in range(iterations + 2):
        context = LambdaContext("bench-baseline", 512, str(uuid.uuid4()), time.time() * 1000 + 10_000)
        start = time.perf_counter()
        handler(event, context)
        if attempt >= 2:
            samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(stats.percentile(samples, 50), 3),
        "p99_ms": round(stats.percentile(samples, 99), 3),
    }


def shared_keys(driver: Driver) -> list[dict[str, Any]]:
    """Section 7: for two unrelated requests of each use case, the items and the table and
    index partitions both wrote (`bench.sharedkeys`); and for two favorites of one article, the
    items both wrote inside their transactions. The stream worker is not run here (its
    batches are checked by tests/api/test_shared_keys.py)."""
    from bench.sharedkeys import written

    (a_id, _), (b_id, b_name), (c_id, _), (d_id, d_name) = driver.meta.users[2:6]
    tokens = {user: forge_token(user) for user in (a_id, b_id, c_id, d_id)}

    def article_body() -> dict[str, Any]:
        title = f"Shared keys {uuid.uuid4().hex[:6]}"
        return {"article": {"title": title, "description": "d", "body": "b", "tagList": driver.meta.tags[:2]}}

    def publish(user: str) -> str:
        slug: str = driver.publish(token=tokens[user])["slug"]
        return slug

    def pairs() -> dict[str, tuple[Request, Request]]:
        one, two = publish(a_id), publish(b_id)
        hot = driver.sample_slug(7)
        return {
            "register": (("POST", "/api/users", _user(f"sk{uuid.uuid4().hex[:8]}"), None),
                         ("POST", "/api/users", _user(f"sk{uuid.uuid4().hex[:8]}"), None)),
            "create an article": (("POST", "/api/articles", article_body(), tokens[a_id]),
                                  ("POST", "/api/articles", article_body(), tokens[b_id])),
            "update an article": (("PUT", f"/api/articles/{one}", {"article": {"body": "x"}}, tokens[a_id]),
                                  ("PUT", f"/api/articles/{two}", {"article": {"body": "y"}}, tokens[b_id])),
            "favorite different articles": (("POST", f"/api/articles/{one}/favorite", None, tokens[c_id]),
                                            ("POST", f"/api/articles/{two}/favorite", None, tokens[d_id])),
            "favorite one article": (("POST", f"/api/articles/{hot}/favorite", None, tokens[a_id]),
                                     ("POST", f"/api/articles/{hot}/favorite", None, tokens[b_id])),
            "comment on different articles": (
                ("POST", f"/api/articles/{one}/comments", {"comment": {"body": "hi"}}, tokens[c_id]),
                ("POST", f"/api/articles/{two}/comments", {"comment": {"body": "hi"}}, tokens[d_id])),
            "follow": (("POST", f"/api/profiles/{b_name}/follow", None, tokens[a_id]),
                       ("POST", f"/api/profiles/{d_name}/follow", None, tokens[c_id])),
            "delete an article": (("DELETE", f"/api/articles/{one}", None, tokens[a_id]),
                                  ("DELETE", f"/api/articles/{two}", None, tokens[b_id])),
        }  # fmt: skip

    rows = []
    for case, requests in pairs().items():
        writes = []
        for request in requests:
            with driver.recorder.recording() as calls:
                status, body = driver.send(request)
            if status >= 300:
                raise RuntimeError(f"{case}: HTTP {status} {body}")
            writes.append(written((c.operation, c.params) for c in calls if c.service == "dynamodb"))
        first, second = writes
        rows.append(
            {
                "case": case,
                "items": [len(first.items), len(second.items)],
                "shared_items": sorted(first.items & second.items),
                "shared_partitions": sorted(first.partitions & second.partitions),
                "shared_in_transactions": sorted(first.transactional_items & second.transactional_items),
            }
        )
    return rows
