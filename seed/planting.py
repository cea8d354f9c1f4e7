"""Puts a `seed.world` into a running API through its public endpoints, creating only what is
not there yet: running it twice creates nothing twice.

Each thing is looked for before it is made, by the identity the world gives it: a user by email
(register, or log in when the username or email is taken), an article by its author and title
(the author's list), a follow by the follower's view of the profile, a favorite by the user's
favorited list, a comment by its article, author and body (the article's comments). Creating
an article or a comment is not safe to repeat, so after an ambiguous failure (a lost reply) the
seed looks again before it tries again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from seed.client import Ambiguous, Client, Reply, SeedError, path
from seed.world import PASSWORD, Article, Person, World

#: The API's page limit (docs/api.md).
PAGE = 100
#: Looks and tries after an ambiguous create before giving up.
CREATE_TRIES = 3
#: What a world holds, in the order the seed puts it in.
KINDS = ("users", "articles", "follows", "favorites", "comments")


@dataclass
class Tally:
    """How many of each kind the run created, and how many it found already there."""

    created: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.found)[kind] += 1


def plant(client: Client, world: World, *, progress: bool = True) -> Tally:
    """Make `world` exist in the API behind `client`; what each kind needed is in the tally."""
    tally = Tally()
    total = sum(map(len, (world.people, world.articles, world.follows, world.favorites, world.comments)))
    with tqdm(total=total, unit="item", disable=not progress, dynamic_ncols=True) as bar:

        def done(kind: str, created: bool) -> None:
            tally.count(kind, created)
            bar.update()

        bar.set_description("users")
        tokens = {person.username: _user(client, person, done) for person in world.people}
        bar.set_description("articles")
        slugs = _articles(client, world, tokens, done)
        bar.set_description("follows")
        for follower, followee in world.follows:
            _follow(client, tokens[follower], followee, done)
        bar.set_description("favorites")
        _favorites(client, world, tokens, slugs, done)
        bar.set_description("comments")
        _comments(client, world, tokens, slugs, done)
        bar.set_description("done")
    return tally


Done = Callable[[str, bool], None]


def _user(client: Client, person: Person, done: Done) -> str:
    """The person's token: registered now, or logged in when already registered."""
    account = {"username": person.username, "email": person.email, "password": PASSWORD}
    # Repeatable: a lost reply to a registration that worked makes the next try a 422 "taken".
    reply = client.request("POST", "/users", {"user": account}, repeatable=True)
    created = reply.status == 201
    if not created:
        if reply.status != 422 or "has already been taken" not in str(reply.body):
            raise _unexpected("POST", "/users", reply)
        credentials = {"email": person.email, "password": PASSWORD}
        reply = client.request("POST", "/users/login", {"user": credentials}, repeatable=True)
        if reply.status != 200:
            raise SeedError(
                f"{person.username} ({person.email}) is taken, and the demo password does not sign "
                f"in: {reply.status} {reply.body}. Seed an empty stage, or delete that user."
            )
    user: dict[str, Any] = reply.body["user"]
    if user.get("bio") != person.bio:
        update = client.request(
            "PUT", "/user", {"user": {"bio": person.bio}}, token=user["token"], repeatable=True
        )
        if update.status != 200:
            raise _unexpected("PUT", "/user", update)
    done("users", created)
    return str(user["token"])


def _articles(client: Client, world: World, tokens: dict[str, str], done: Done) -> list[str]:
    """Every article's slug, in world order; created in that order, so lists interleave authors."""
    existing: dict[str, dict[str, str]] = {}

    def look(author: str) -> dict[str, str]:
        existing[author] = {a["title"]: a["slug"] for a in _listing(client, author=author)}
        return existing[author]

    for person in world.people:
        look(person.username)
    slugs = []
    for article in world.articles:
        created = article.title not in existing[article.author]
        if created:
            _new_article(client, article, tokens[article.author], existing, look)
        slugs.append(existing[article.author][article.title])
        done("articles", created)
    return slugs


def _new_article(
    client: Client,
    article: Article,
    token: str,
    existing: dict[str, dict[str, str]],
    look: Callable[[str], dict[str, str]],
) -> None:
    """Create `article`; its slug lands in `existing` (from the reply, or from `look` when a
    lost reply hid that it was created)."""
    fields = {"title": article.title, "description": article.description, "body": article.body}

    def send() -> Reply:
        document = {"article": {**fields, "tagList": list(article.tags)}}
        return client.request("POST", "/articles", document, token=token, repeatable=False)

    reply = _create_once(send, landed=lambda: article.title in look(article.author))
    if reply is not None:
        if reply.status != 201:
            raise _unexpected("POST", "/articles", reply)
        existing[article.author][article.title] = reply.body["article"]["slug"]


def _create_once(send: Callable[[], Reply], landed: Callable[[], bool]) -> Reply | None:
    """The reply to `send()`; None when a try failed ambiguously (a lost reply) but `landed()`
    finds what it made. Otherwise it tries again, CREATE_TRIES times in all."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return send()
        except Ambiguous:
            if landed():
                return None
            if attempt == CREATE_TRIES:
                raise


def _listing(client: Client, **query: str) -> Iterator[dict[str, Any]]:
    """Every article of a list (`author=`, `favorited=`), page by page."""
    offset = 0
    while True:
        where = path("articles", limit=str(PAGE), offset=str(offset), **query)
        reply = client.request("GET", where, repeatable=True)
        if reply.status != 200:
            raise _unexpected("GET", where, reply)
        page: list[dict[str, Any]] = reply.body["articles"]
        yield from page
        offset += len(page)
        if not page or offset >= reply.body["articlesCount"]:
            return


def _follow(client: Client, token: str, followee: str, done: Done) -> None:
    profile = client.request("GET", path("profiles", followee), token=token, repeatable=True)
    if profile.status != 200:
        raise _unexpected("GET", path("profiles", followee), profile)
    following = bool(profile.body["profile"]["following"])
    if not following:
        where = path("profiles", followee, "follow")
        reply = client.request("POST", where, token=token, repeatable=True)  # following twice is once
        if reply.status != 200:
            raise _unexpected("POST", where, reply)
    done("follows", not following)


def _favorites(client: Client, world: World, tokens: dict[str, str], slugs: list[str], done: Done) -> None:
    favorited: dict[str, set[str]] = {}
    for username, index in world.favorites:
        if username not in favorited:
            favorited[username] = {a["slug"] for a in _listing(client, favorited=username)}
        slug = slugs[index]
        created = slug not in favorited[username]
        if created:
            where = path("articles", slug, "favorite")
            reply = client.request("POST", where, token=tokens[username], repeatable=True)  # counts once
            if reply.status != 200:
                raise _unexpected("POST", where, reply)
        done("favorites", created)


def _comments(client: Client, world: World, tokens: dict[str, str], slugs: list[str], done: Done) -> None:
    by_article: dict[int, list[tuple[str, str]]] = {}
    for comment in world.comments:
        by_article.setdefault(comment.article, []).append((comment.author, comment.body))
    for index, wanted in by_article.items():
        where = path("articles", slugs[index], "comments")

        def present(where: str = where) -> set[tuple[str, str]]:
            """(author, body) of the article's comments (the newest 100: more than a world gives)."""
            reply = client.request("GET", where, repeatable=True)
            if reply.status != 200:
                raise _unexpected("GET", where, reply)
            return {(c["author"]["username"], c["body"]) for c in reply.body["comments"]}

        there = present()
        for author, body in wanted:
            created = (author, body) not in there
            if created:
                _new_comment(client, where, tokens[author], (author, body), present)
            done("comments", created)


def _new_comment(
    client: Client,
    where: str,
    token: str,
    comment: tuple[str, str],
    present: Callable[[], set[tuple[str, str]]],
) -> None:
    def send() -> Reply:
        return client.request("POST", where, {"comment": {"body": comment[1]}}, token=token, repeatable=False)

    reply = _create_once(send, landed=lambda: comment in present())
    if reply is not None and reply.status != 200:
        raise _unexpected("POST", where, reply)


def _unexpected(method: str, where: str, reply: Reply) -> SeedError:
    return SeedError(f"{method} {where}: unexpected {reply.status} {reply.body}")
