"""The API in production weather: one call in five to DynamoDB and Cognito fails.

A workload of registrations, follows, articles, favorites, comments, email and username
changes, deletes and unfollows runs through the HTTP path while the emulator fails 20% of the
data-plane calls the ways AWS fails them (throttling, 5xx, transaction conflicts, replies lost
after the write, from a seed: `local.faults`), the stream worker included. A careful client
retries each operation up to 5 times, after `Retry-After`, with one Idempotency-Key per POST
(`local.retrying`). Then the faults stop, the worker catches up, and the whole data set is read
back against every invariant (`local.invariants`). The run happens once; each test checks one
property of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from conduit import settings, storage
from conduit.users import identity
from local import invariants
from local.cognito import Message
from local.emulator import Emulator
from local.faults import Kind, Weather
from local.gateway import LocalGateway
from local.retrying import Outcome, send_with_retries
from local.streams import StreamPump
from tests.api.conftest import PASSWORD, Api
from tests.conftest import TEST_STAGE, fresh_resources

RATE = 0.2
SEED = 10
USERS = 6
TRIES = 5


@dataclass
class Run:
    api: Api
    weather: Weather
    outcomes: list[tuple[str, Outcome]] = field(default_factory=list)
    accounts: list[invariants.Account] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=lambda: {"articles": 0, "comments": 0})
    deleted: dict[str, Any] = field(default_factory=dict)
    report: invariants.Report = field(default_factory=invariants.Report)
    #: What Cognito mailed (`local.cognito`): the codes that confirm new emails.
    outbox: Callable[[], list[Message]] = list

    def send(self, method: str, path: str, body: Any = None, token: str | None = None) -> Outcome:
        def once(headers: dict[str, str]) -> tuple[int, Any, Any]:
            reply = self.api.request(method, path, body, token=token, headers=headers)
            return reply.status_code, reply.headers, reply.json if reply.text else None

        outcome = send_with_retries(once, method, tries=TRIES)
        self.outcomes.append((f"{method} {path}", outcome))
        return outcome

    def call(self, method: str, path: str, body: Any, token: str | None) -> tuple[int, Any]:
        reply = self.api.request(method, path, body, token=token)
        return reply.status_code, reply.json if reply.text else None


def _fresh_clients() -> None:
    """New AWS clients: botocore's retry quota is per client, and this run spends it."""
    from conduit.api import idempotency

    storage.reset()
    identity.reset()
    idempotency.reset()


def register_and_follow(run: Run, names: list[str]) -> dict[str, str]:
    """Everyone registers, then follows the next two users; returns their tokens."""
    tokens: dict[str, str] = {}
    for name in names:
        body = {"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}}
        registered = run.send("POST", "/api/users", body)
        if registered.succeeded:
            tokens[name] = registered.body["user"]["token"]
    for i, name in enumerate(names):
        for other in (names[(i + 1) % USERS], names[(i + 2) % USERS]):
            run.send("POST", f"/api/profiles/{other}/follow", token=tokens[name])
    return tokens


def publish_favorite_and_comment(run: Run, tokens: dict[str, str]) -> list[str]:
    """Two articles each, then four favorites, one unfavorite and two comments each."""
    slugs: list[str] = []
    for name, token in tokens.items():
        for k in range(2):
            article = {
                "title": f"{name} on dragons {k}",
                "description": "d",
                "body": "b",
                "tagList": [f"t{k}"],
            }
            published = run.send("POST", "/api/articles", {"article": article}, token=token)
            if published.succeeded:
                slugs.append(published.body["article"]["slug"])
                run.created["articles"] += 1
    for i, (name, token) in enumerate(tokens.items()):
        for j in range(4):
            run.send("POST", f"/api/articles/{slugs[(3 * i + j) % len(slugs)]}/favorite", token=token)
        run.send("DELETE", f"/api/articles/{slugs[3 * i % len(slugs)]}/favorite", token=token)
        for j in range(2):
            path = f"/api/articles/{slugs[(5 * i + j) % len(slugs)]}/comments"
            run.created["comments"] += run.send(
                "POST", path, {"comment": {"body": f"{name} says {j}"}}, token
            ).succeeded
    return slugs


def confirm_new_email(run: Run, email: str, token: str) -> bool:
    """Confirm a new email with the last code mailed to it: then it is the sign-in."""
    codes = [m.code for m in run.outbox() if m.to == email]
    if not codes:
        return False
    return run.send("POST", "/api/user/email/confirm", {"user": {"code": codes[-1]}}, token).succeeded


def workload(run: Run) -> None:
    names = [f"user{n}" for n in range(USERS)]
    tokens = register_and_follow(run, names)
    slugs = publish_favorite_and_comment(run, tokens)
    emails = {name: f"{name}@example.com" for name in names}
    for name in names[:2]:
        emails[name] = f"{name}.new@example.com"
        change = {"email": emails[name], "currentPassword": PASSWORD}
        changed = run.send("PUT", "/api/user", {"user": change}, token=tokens[name])
        if not (changed.succeeded and confirm_new_email(run, emails[name], tokens[name])):
            emails[name] = f"{name}@example.com"
    new_password = {"bio": "weathered", "password": PASSWORD, "currentPassword": PASSWORD}
    changed = run.send("PUT", "/api/user", {"user": new_password}, token=tokens[names[2]])
    if changed.succeeded:  # every other session ended: the answer's token is theirs now
        tokens[names[2]] = changed.body["user"]["token"]
    run.deleted["article"] = (
        slugs[0],
        run.send("DELETE", f"/api/articles/{slugs[0]}", token=tokens[names[0]]),
    )
    run.send("DELETE", f"/api/profiles/{names[1]}/follow", token=tokens[names[5]])
    run.accounts = [invariants.Account(n, emails[n], PASSWORD, tokens[n]) for n in names if n in tokens]


@pytest.fixture(scope="module")
def run(emulator: Emulator, gateway: LocalGateway) -> Iterator[Run]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        calls = fresh_resources(emulator, monkeypatch)
        _fresh_clients()
        api = Api(Client(gateway), calls, gateway, StreamPump())
        result = Run(api, emulator.start_weather(RATE, SEED), outbox=emulator.outbox)
        try:
            workload(result)
        finally:
            emulator.heal()
        api.settle()  # the worker catches up
        result.report = invariants.check(TEST_STAGE, result.accounts, result.call)
        yield result
        _fresh_clients()


def attempts(run: Run) -> list[tuple[str, int | None, str | None]]:
    return [(op, a.status, a.retry_after) for op, outcome in run.outcomes for a in outcome.attempts]


def test_the_weather_was_bad_in_every_way(run: Run) -> None:
    assert set(run.weather.injected) == set(Kind)
    assert sum(run.weather.injected.values()) > 100


def test_no_answer_is_a_500(run: Run) -> None:
    assert [a for a in attempts(run) if a[1] == 500] == []


def test_every_503_says_when_to_retry(run: Run) -> None:
    assert [a for a in attempts(run) if a[1] == 503 and a[2] != "1"] == []


def test_at_least_99_percent_of_operations_succeed_within_5_tries(run: Run) -> None:
    failed = [(op, o.status) for op, o in run.outcomes if not o.succeeded]

    assert len(failed) <= len(run.outcomes) // 100, failed


def test_no_retried_post_wrote_twice(run: Run) -> None:
    expected_articles = run.created["articles"] - run.deleted["article"][1].succeeded
    duplicates = [p for p in run.report.problems if "times" in p]

    assert duplicates == []
    assert run.report.articles == expected_articles
    assert run.report.comments <= run.created["comments"]  # a deleted article's went with it
    assert run.report.users == len(run.accounts) == USERS


def test_counts_flags_and_feeds_agree_once_the_worker_caught_up(run: Run) -> None:
    assert run.report.problems == []
    assert run.api.streams.dead_letters == []


def test_registration_and_email_change_are_all_or_nothing(run: Run) -> None:
    pool = settings.user_pool().pool_id
    in_cognito = boto3.client("cognito-idp").list_users(UserPoolId=pool)["Users"]

    assert len(in_cognito) == USERS
    assert [p for p in run.report.problems if "Cognito" in p or "claim" in p or "log in" in p] == []


def test_a_deleted_article_stays_deleted(run: Run) -> None:
    slug, outcome = run.deleted["article"]

    assert outcome.status in (204, 404)  # 404: a retry after the first delete went through
    assert run.api.request("GET", f"/api/articles/{slug}").status_code == 404


def retried(api: Api, method: str, path: str, body: Any = None, token: str | None = None) -> Outcome:
    def once(headers: dict[str, str]) -> tuple[int, Any, Any]:
        reply = api.request(method, path, body, token=token, headers=headers)
        return reply.status_code, reply.headers, reply.json if reply.text else None

    return send_with_retries(once, method, tries=TRIES)


def author_with_article(api: Api) -> tuple[str, str]:
    """Jake, registered and with one article, in bad weather: his token and its slug."""
    jake = retried(
        api, "POST", "/api/users", {"user": {"username": "jake", "email": "j@x.io", "password": PASSWORD}}
    )
    token = str(jake.body["user"]["token"])
    article = retried(
        api, "POST", "/api/articles", {"article": {"title": "T", "description": "d", "body": "b"}}, token
    )
    return token, str(article.body["article"]["slug"])


def test_a_put_sent_again_and_again_in_bad_weather_sets_the_same_article(api: Api, weather: Weather) -> None:
    jake, slug = author_with_article(api)
    change = {"article": {"body": "changed", "description": "new"}}

    answers = [retried(api, "PUT", f"/api/articles/{slug}", change, jake) for _ in range(3)]

    assert [a.status for a in answers] == [200, 200, 200]
    assert {(a.body["article"]["body"], a.body["article"]["description"]) for a in answers} == {
        ("changed", "new")
    }


def test_a_delete_sent_again_in_bad_weather_leaves_the_comment_gone(api: Api, weather: Weather) -> None:
    token, slug = author_with_article(api)
    path = f"/api/articles/{slug}/comments"
    comment = retried(api, "POST", path, {"comment": {"body": "hi"}}, token).body["comment"]

    first = retried(api, "DELETE", f"{path}/{comment['id']}", token=token)
    again = retried(api, "DELETE", f"{path}/{comment['id']}", token=token)

    assert (first.status, again.status) == (204, 404)
    assert retried(api, "GET", path).body["comments"] == []


def test_a_new_password_in_bad_weather_ends_the_old_session_and_answers_a_token_that_works(
    api: Api, weather: Weather
) -> None:
    jake, _ = author_with_article(api)
    change = {"password": "a-new-password", "currentPassword": PASSWORD}

    answer = retried(api, "PUT", "/api/user", {"user": change}, jake)

    assert answer.status == 200
    assert retried(api, "GET", "/api/user", token=jake).status == 401
    assert retried(api, "GET", "/api/user", token=answer.body["user"]["token"]).status == 200


def test_signing_out_everywhere_in_bad_weather_ends_every_session(api: Api, weather: Weather) -> None:
    jake, _ = author_with_article(api)
    other = retried(api, "POST", "/api/users/login", {"user": {"email": "j@x.io", "password": PASSWORD}})

    answer = retried(api, "DELETE", "/api/user/sessions", token=jake)

    assert answer.status == 204
    for token in (jake, other.body["user"]["token"]):
        assert retried(api, "GET", "/api/user", token=token).status == 401
