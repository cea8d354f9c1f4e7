"""One representative request per function, for the cold-start section: seeded through the API
on the emulator, then turned into the exact event each function receives (payload 2.0 for a
route, a stream batch for the worker).

Requests that change what they touch (register, delete, favorite...) get a target of their own
per run, all prepared before any run is timed.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from werkzeug.test import Client, EnvironBuilder

from conduit.routes import ROUTES_BY_NAME, Auth, Route
from local.gateway import LocalGateway, build_event

PASSWORD = "cold-start-password"
Request = tuple[str, str, Any, str | None]  # method, path, JSON body, token


class RequestClass:
    """The route classes of issue 12 and their targets (whole request over the floor)."""

    ANONYMOUS_READ = "anonymous read"
    SIGNED_IN = "signed in, no body"
    BODY = "parses a body"
    WORKER = "stream worker"

    TARGETS: ClassVar[dict[str, float]] = {ANONYMOUS_READ: 1.15, SIGNED_IN: 1.25, BODY: 1.35}


@dataclass(frozen=True)
class Representative:
    """A function's events (one per run) and what kind of request they are."""

    name: str
    events: list[str]  # JSON
    request_class: str
    signed_in: bool = False  # the request carries a token, so the function checks it

    @property
    def target(self) -> float | None:
        return RequestClass.TARGETS.get(self.request_class)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.timestamp()  # Lambda sends ApproximateCreationDateTime as epoch seconds
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.decode()
    raise TypeError(f"{type(value).__name__} is not JSON")


class Seeder:
    """Users, follows, articles, comments and favorites, made through the local gateway."""

    def __init__(self) -> None:
        self.gateway = LocalGateway()
        self.client = Client(self.gateway)

    def send(self, request: Request) -> Any:
        method, path, body, token = request
        headers = {"Authorization": f"Token {token}"} if token else {}
        response = self.client.open(path, method=method, json=body, headers=headers)
        text = response.get_data(as_text=True)
        if response.status_code >= 400:
            raise RuntimeError(f"seeding {method} {path}: HTTP {response.status_code} {text}")
        return json.loads(text) if text else None

    def register(self, name: str) -> dict[str, Any]:
        body = {"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}}
        user: dict[str, Any] = self.send(("POST", "/api/users", body, None))["user"]
        return user

    def publish(self, token: str, title: str) -> str:
        article = {
            "title": title,
            "description": "what a cold start reads",
            "body": "A realistic body. " * 60,
            "tagList": ["lambda", "python", "coldstart"],
        }
        slug: str = self.send(("POST", "/api/articles", {"article": article}, token))["article"]["slug"]
        return slug

    def comment(self, token: str, slug: str) -> int:
        body = {"comment": {"body": "A thoughtful comment. " * 5}}
        comment_id: int = self.send(("POST", f"/api/articles/{slug}/comments", body, token))["comment"]["id"]
        return comment_id

    def event(self, route_name: str, request: Request) -> str:
        """The payload-2.0 event API Gateway would send the route's function for `request`."""
        method, path, body, token = request
        headers = [("Authorization", f"Token {token}")] if token else []
        builder = EnvironBuilder(path=path, method=method, json=body, headers=headers)
        route = ROUTES_BY_NAME[route_name]
        matched = self.gateway.match(method, path.split("?")[0])
        if matched is None or matched[0] != route:
            raise ValueError(f"{method} {path} is not {route_name}")
        return json.dumps(build_event(builder.get_request(), route, matched[1]))

    def reference_event(self, path: str) -> str:
        """The event of `GET <path>` for the reference handler (bench/reference/), not a route of ours."""
        route = Route("Reference", "GET", "/api/reference/{name}", "idiomatic.handler", Auth.NONE)
        name = path.rsplit("/", 1)[1]
        return json.dumps(build_event(EnvironBuilder(path=path).get_request(), route, {"name": name}))


def _request_class(request: Request) -> str:
    _, _, body, token = request
    if body is not None:
        return RequestClass.BODY
    return RequestClass.SIGNED_IN if token else RequestClass.ANONYMOUS_READ


def _code_sent_long_ago(people: list[dict[str, Any]]) -> None:
    """Their registration's code went out over a minute ago, as for a user who asks again later
    (`conduit.users.codes`: one code a minute)."""
    import boto3

    from bench.revocation import subject
    from conduit import settings
    from conduit.resources import USERS
    from conduit.users import codes

    for person in people:
        boto3.client("dynamodb").update_item(
            TableName=settings.table_name(USERS),
            Key={"pk": {"S": codes.verification(subject(person["token"]))}},
            UpdateExpression="SET sentAt = :long_ago",
            ExpressionAttributeValues={":long_ago": {"N": "0"}},
        )


@dataclass(frozen=True)
class Scene:
    """What the cold-start runs send, and who sends it."""

    functions: dict[str, Representative]
    seeder: Seeder
    token: str  # a signed-in user's access token


def representatives(
    runs: int, stream_event: Callable[[Seeder, str], str], outbox: Callable[[], list[Any]] = list
) -> Scene:
    """Route name (and the worker's) -> its events; seeds what they need first (`outbox`: the
    emulator's, for the codes Cognito mails)."""
    from local.streams import StreamPump

    seeder = Seeder()
    suffix = uuid.uuid4().hex[:6]
    jake, alice, bob = (seeder.register(f"{name}{suffix}") for name in ("jake", "alice", "bob"))
    token, name = jake["token"], alice["username"]
    seeder.send(("POST", f"/api/profiles/{name}/follow", None, token))
    shown = seeder.publish(alice["token"], f"Shown {suffix}")
    own = seeder.publish(token, f"Own {suffix}")
    to_favorite = [seeder.publish(alice["token"], f"Favorite {n} {suffix}") for n in range(runs)]
    to_unfavorite = [seeder.publish(alice["token"], f"Unfavorite {n} {suffix}") for n in range(runs)]
    for slug in to_unfavorite:
        seeder.send(("POST", f"/api/articles/{slug}/favorite", None, token))
    to_delete = [seeder.publish(token, f"Delete {n} {suffix}") for n in range(runs)]
    seeder.comment(token, shown)
    comments = [seeder.comment(token, shown) for _ in range(runs)]
    StreamPump().drain()  # feeds, favorites lists and comments in step, as a moment later when deployed

    def per_run(make: Callable[[int], Request]) -> list[Request]:
        return [make(n) for n in range(runs)]

    def user(n: int) -> dict[str, Any]:
        name = f"new{suffix}{n}"
        return {"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}}

    def article(n: int) -> dict[str, Any]:
        return {
            "article": {
                "title": f"Cold start {n} {suffix}",
                "description": "what a cold start writes",
                "body": "A realistic body. " * 60,
                "tagList": ["lambda", "python", "coldstart"],
            }
        }

    login = {"user": {"email": jake["email"], "password": PASSWORD}}
    # the accounts routes: sessions of their own, and accounts to sign out or delete per run
    signed_in = [seeder.send(("POST", "/api/users/login", login, None))["user"] for _ in range(runs)]
    refreshing = seeder.send(("POST", "/api/users/login", login, None))["user"]  # no run ends it
    leaving = [seeder.register(f"leaving{suffix}{n}") for n in range(runs)]
    doomed = [seeder.register(f"doomed{suffix}{n}") for n in range(runs)]

    def code(email: str, kind: str) -> str:
        return str(next(m.code for m in reversed(outbox()) if m.to == email and m.kind == kind))

    confirming = [seeder.register(f"confirming{suffix}{n}") for n in range(runs)]
    resending = [seeder.register(f"resending{suffix}{n}") for n in range(runs)]
    _code_sent_long_ago(resending)  # the minute between two codes is over
    resetting = [seeder.register(f"resetting{suffix}{n}") for n in range(runs)]
    for person in resetting:  # a reset code goes to a confirmed address only
        confirm = {"user": {"code": code(person["email"], "verify-email")}}
        seeder.send(("POST", "/api/user/email/confirm", confirm, person["token"]))
        seeder.send(("POST", "/api/users/password/forgot", {"user": {"email": person["email"]}}, None))

    def reset(n: int) -> dict[str, Any]:
        email = resetting[n]["email"]
        return {
            "user": {"email": email, "code": code(email, "reset-password"), "password": f"new-{PASSWORD}"}
        }

    requests: dict[str, list[Request]] = {
        "RefreshToken": per_run(
            lambda n: (
                "POST",
                "/api/users/token",
                {"user": {"refreshToken": refreshing["refreshToken"]}},
                None,
            )
        ),
        "Logout": per_run(lambda n: ("POST", "/api/user/logout", None, signed_in[n]["token"])),
        "EndAllSessions": per_run(lambda n: ("DELETE", "/api/user/sessions", None, leaving[n]["token"])),
        "ConfirmEmail": per_run(
            lambda n: (
                "POST",
                "/api/user/email/confirm",
                {"user": {"code": code(confirming[n]["email"], "verify-email")}},
                confirming[n]["token"],
            )
        ),
        "ResendEmailCode": per_run(lambda n: ("POST", "/api/user/email/resend", None, resending[n]["token"])),
        "ForgotPassword": per_run(
            lambda n: (
                "POST",
                "/api/users/password/forgot",
                {"user": {"email": f"nobody{suffix}{n}@example.com"}},
                None,
            )
        ),
        "ResetPassword": per_run(lambda n: ("POST", "/api/users/password/reset", reset(n), None)),
        "DeleteCurrentUser": per_run(
            lambda n: ("DELETE", "/api/user", {"user": {"password": PASSWORD}}, doomed[n]["token"])
        ),
        "ExportCurrentUser": per_run(lambda n: ("GET", "/api/user/export", None, token)),
        "RegisterUser": per_run(lambda n: ("POST", "/api/users", user(n), None)),
        "LoginUser": per_run(lambda n: ("POST", "/api/users/login", login, None)),
        "GetCurrentUser": per_run(lambda n: ("GET", "/api/user", None, token)),
        "UpdateCurrentUser": per_run(lambda n: ("PUT", "/api/user", {"user": {"bio": f"bio {n}"}}, token)),
        "GetProfile": per_run(lambda n: ("GET", f"/api/profiles/{name}", None, token)),
        "FollowUser": per_run(lambda n: ("POST", f"/api/profiles/{bob['username']}/follow", None, token)),
        "UnfollowUser": per_run(lambda n: ("DELETE", f"/api/profiles/{bob['username']}/follow", None, token)),
        "ListArticles": per_run(lambda n: ("GET", "/api/articles?limit=20", None, None)),
        "FeedArticles": per_run(lambda n: ("GET", "/api/articles/feed?limit=20", None, token)),
        "CreateArticle": per_run(lambda n: ("POST", "/api/articles", article(n), token)),
        "GetArticle": per_run(lambda n: ("GET", f"/api/articles/{shown}", None, token)),
        "UpdateArticle": per_run(
            lambda n: ("PUT", f"/api/articles/{own}", {"article": {"body": f"changed {n} " * 50}}, token)
        ),
        "DeleteArticle": per_run(lambda n: ("DELETE", f"/api/articles/{to_delete[n]}", None, token)),
        "FavoriteArticle": per_run(
            lambda n: ("POST", f"/api/articles/{to_favorite[n]}/favorite", None, token)
        ),
        "UnfavoriteArticle": per_run(
            lambda n: ("DELETE", f"/api/articles/{to_unfavorite[n]}/favorite", None, token)
        ),
        "ListComments": per_run(lambda n: ("GET", f"/api/articles/{shown}/comments", None, None)),
        "AddComment": per_run(
            lambda n: (
                "POST",
                f"/api/articles/{shown}/comments",
                {"comment": {"body": f"Comment {n}"}},
                token,
            )
        ),
        "DeleteComment": per_run(
            lambda n: ("DELETE", f"/api/articles/{shown}/comments/{comments[n]}", None, token)
        ),
        "ListTags": per_run(lambda n: ("GET", "/api/tags", None, None)),
    }
    for route in ROUTES_BY_NAME.values():
        if route.name not in requests:  # a route added since: its anonymous GET, when it has one
            if route.method != "GET" or "{" in route.path or route.auth is Auth.REQUIRED:
                raise ValueError(f"no representative request for {route.name}: add one here")
            anonymous_get: Request = ("GET", route.path, None, None)
            requests[route.name] = [anonymous_get] * runs
    found = {
        route: Representative(
            route, [seeder.event(route, r) for r in made], _request_class(made[0]), made[0][3] is not None
        )
        for route, made in requests.items()
    }
    worker_event = stream_event(seeder, alice["token"])
    found["StreamWorker"] = Representative("StreamWorker", [worker_event] * runs, RequestClass.WORKER)
    return Scene(found, seeder, token)


def article_stream_event(seeder: Seeder, token: str) -> str:
    """The stream batch a new article makes the worker fan out (to the author's followers)."""
    import boto3

    from conduit import settings
    from conduit.resources import ARTICLES
    from local.streams import lambda_event

    dynamodb, streams = boto3.client("dynamodb"), boto3.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=settings.table_name(ARTICLES))["Table"]["LatestStreamArn"]

    def records() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                found += page["Records"]
                iterator = page.get("NextShardIterator") if page["Records"] else None
        return found

    before = len(records())
    seeder.publish(token, f"Fanned out {uuid.uuid4().hex[:6]}")
    return json.dumps(lambda_event(arn, records()[before:]), default=_json_default)
