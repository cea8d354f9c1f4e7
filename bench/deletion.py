"""Deleting a prolific account (issue 17): how long it takes, what it costs, and that no
invocation of the stream worker comes near its timeout.

The account: `ARTICLES` articles (three tags), `COMMENTS` comments (half on their own articles,
half on a neighbour's), `FOLLOWERS` followers (past the celebrity threshold, as such an author
is), `FAVORITERS` of them favoriting their first article; they follow and favorite a
neighbour's articles too. It is seeded through the stores the API uses (the same items a
request writes) and the stream worker brought up to date; then `DELETE /api/user` is sent
through the local gateway and the worker drained until the deletion's record is gone.

Measured: the request's time; the worker's time until nothing of the account is left, the
number of steps and of invocations of the deletion, the longest invocation (the function's
timeout is `StreamWorker.timeout_seconds`), every DynamoDB call the deletion caused (the
worker's clean-up of each deleted article and unfollow included) with its request units, and
their price on demand. Then every table is scanned for the account's id and name.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from dataclasses import replace
from typing import Any

from tqdm import tqdm

ARTICLES = 1_000
COMMENTS = 10_000
FOLLOWERS = 1_000
FAVORITERS = 100
NEIGHBOUR_ARTICLES = 100
#: Low, so the author becomes a celebrity early and the seeding does not fan every article out
#: to a thousand feeds (a prolific author has crossed the threshold anyway).
CELEBRITY_FOLLOWERS = 10
PASSWORD = "prolific-password"


def _profile(name: str) -> str:
    """A profile with its claims, without a Cognito user (followers never sign in here)."""
    from datetime import UTC, datetime

    from conduit.users import store as users

    user_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    users.create(users.User(user_id, name, f"{name}@example.com", None, None, now, now))
    return user_id


def _article(author: Any, n: int, prefix: str) -> Any:
    from conduit.articles import service as articling
    from conduit.articles.store import Article
    from conduit.clock import now_iso
    from conduit.users import store as users

    now = now_iso()
    article = Article(
        article_id=str(uuid.uuid4()),
        slug=f"{prefix}-{n}",
        title=f"{prefix} {n}",
        description="d",
        tags=(f"t{n % 3}",),
        author=users.card_of(author),
        created_at=now,
        updated_at=now,
        body="b" * 400,
    )
    return articling.publish(article)


def _comment(article: Any, comment_id: int, author: Any) -> None:
    from conduit.clock import now_iso
    from conduit.comments import store as comments
    from conduit.users import store as users

    now = now_iso()
    comment = comments.Comment(article.article_id, comment_id, users.card_of(author), "c" * 80, now, now)
    comments.add(comment, token=str(uuid.uuid4()), also=lambda transaction: None)


def seed(client: Any, pump: Any) -> dict[str, Any]:
    """The prolific account and its world; returns its token, id and name."""
    from conduit.articles.store import get_many
    from conduit.favorites import service as favoriting
    from conduit.listings import store as listings
    from conduit.profiles import store as follows
    from conduit.storage import each
    from conduit.users import store as users

    body = {"user": {"username": "prolific", "email": "prolific@example.com", "password": PASSWORD}}
    reply = client.post("/api/users", json=body)
    if reply.status_code != 201:  # say why: a full run met this once, after the other sections
        raise RuntimeError(
            f"registering the prolific account: {reply.status_code} {reply.get_data(as_text=True)}"
        )
    token = reply.get_json()["user"]["token"]
    me = client.get("/api/user", headers={"Authorization": f"Token {token}"}).get_json()["user"]
    owner_id = users.owner_of("username", "prolific")
    assert owner_id is not None
    prolific = users.get(owner_id)
    neighbour = users.get(_profile("neighbour"))
    assert prolific is not None
    assert neighbour is not None
    fans = [_profile(f"fan{n}") for n in tqdm(range(FOLLOWERS), desc="followers", leave=False)]
    each(lambda fan: follows.follow(fan, prolific.user_id), fans)
    pump.drain(strict=False)
    mine = each(lambda n: _article(prolific, n, "prolific"), range(ARTICLES))
    theirs = each(lambda n: _article(neighbour, n, "neighbour"), range(NEIGHBOUR_ARTICLES))
    pump.drain(strict=False)
    targets = [(mine[n % ARTICLES] if n % 2 else theirs[n % NEIGHBOUR_ARTICLES]) for n in range(COMMENTS)]
    seq: Counter[str] = Counter()
    numbered = []
    for article in targets:
        seq[article.article_id] += 1
        numbered.append((article, seq[article.article_id]))
    each(lambda pair: _comment(pair[0], pair[1], prolific), tqdm(numbered, desc="comments", leave=False))
    follows.follow(prolific.user_id, neighbour.user_id)
    stored = get_many(a.article_id for a in theirs)

    def favorite(user_id: str, article: Any) -> None:
        step = favoriting._own_list_change(user_id, article, adding=True, pending=False)
        listings.apply([step])

    each(lambda article: favorite(prolific.user_id, article), list(stored.values()))
    first = replace(mine[0], body=None)
    each(lambda fan: favorite(fan, first), fans[:FAVORITERS])
    with tqdm(desc="worker catching up", leave=False) as progress:
        while moved := pump.drain(strict=False):
            progress.update(moved)
    return {"token": token, "user_id": prolific.user_id, "username": me["username"]}


def _scan_for(traces: tuple[str, ...]) -> list[str]:
    import boto3

    from conduit import settings
    from conduit.resources import TABLES

    dynamodb = boto3.client("dynamodb")
    found = []
    for table in TABLES:
        for page in dynamodb.get_paginator("scan").paginate(TableName=settings.table_name(table)):
            for item in page["Items"]:
                text = repr(item)
                if any(trace in text for trace in traces) and "SESSIONS#" not in text:
                    found.append(f"{table.key}: {text[:200]}")
    return found


def run(quick: bool = False) -> dict[str, Any]:
    """Seed the account, delete it, and measure the deletion."""
    from werkzeug.test import Client

    from bench.recorder import Recorder
    from bench.world import start_world
    from conduit import settings
    from conduit.resources import CELEBRITY_FOLLOWERS_ENV_VAR
    from conduit.routes import WORKERS
    from conduit.users import deletion
    from local.gateway import LocalGateway
    from local.streams import StreamPump

    global ARTICLES, COMMENTS, FOLLOWERS
    if quick:
        ARTICLES, COMMENTS, FOLLOWERS = 100, 1_000, 100
    os.environ[CELEBRITY_FOLLOWERS_ENV_VAR] = str(CELEBRITY_FOLLOWERS)
    world = start_world("benchdel")
    settings.reset()
    pump = StreamPump()
    client = Client(LocalGateway())
    started = time.perf_counter()
    account = seed(client, pump)
    seeded_s = time.perf_counter() - started

    invocations: list[float] = []
    steps: Counter[str] = Counter()
    proceed, step = deletion.proceed, deletion.step

    def timed_proceed(user_id: str) -> None:
        t = time.perf_counter()
        try:
            proceed(user_id)
        finally:
            invocations.append(time.perf_counter() - t)

    def counted_step(current: Any) -> Any:
        steps[current.phase.value] += 1
        return step(current)

    deletion.proceed, deletion.step = timed_proceed, counted_step
    recorder = Recorder(measure_capacity=True)
    recorder.install()
    try:
        with recorder.recording() as calls:
            t = time.perf_counter()
            reply = client.delete(
                "/api/user",
                json={"user": {"password": PASSWORD}},
                headers={"Authorization": f"Token {account['token']}"},
            )
            request_s = time.perf_counter() - t
            request_calls = len(calls)
            with tqdm(desc="deleting", leave=False) as progress:
                while moved := pump.drain(strict=False):
                    progress.update(moved)
            total_s = time.perf_counter() - t
    finally:
        deletion.proceed, deletion.step = proceed, step
    if reply.status_code != 204:
        raise RuntimeError(f"DELETE /api/user: HTTP {reply.status_code} {reply.get_data(as_text=True)}")
    dynamodb = [c for c in calls if c.service == "dynamodb"]
    reads = sum(c.read_units for c in dynamodb)
    writes = sum(c.write_units for c in dynamodb)
    from bench.cost import load_pricing

    pricing = load_pricing()
    worker = WORKERS[0]
    lambda_gb_s = sum(invocations) * worker.memory_mb / 1024
    remains = _scan_for((account["user_id"], "prolific@example.com"))
    world.emulator.stop()
    return {
        "account": {
            "articles": ARTICLES,
            "comments": COMMENTS,
            "followers": FOLLOWERS,
            "favoriters": FAVORITERS,
            "page_size": settings.deletion_page_size(),
        },
        "seeded_s": round(seeded_s, 1),
        "request_s": round(request_s, 3),
        "request_calls": request_calls,
        "until_gone_s": round(total_s, 1),
        "steps": dict(steps),
        "invocations": len(invocations),
        "longest_invocation_s": round(max(invocations, default=0.0), 2),
        "worker_timeout_s": worker.timeout_seconds,
        "steps_seconds_budget": deletion.STEPS_SECONDS,
        "dynamodb_calls": dict(Counter(c.operation for c in dynamodb)),
        "read_units": round(reads, 1),
        "write_units": round(writes, 1),
        "usd": {
            "dynamodb": round(
                reads / 1e6 * pricing.read_unit_per_million + writes / 1e6 * pricing.write_unit_per_million,
                4,
            ),
            "lambda": round(
                lambda_gb_s * pricing.lambda_gb_second + len(invocations) / 1e6 * pricing.lambda_per_million,
                4,
            ),
        },
        "remains": remains,
    }
