"""What must hold over a whole data set after a run in bad weather (checked with the faults off).

Like Jepsen's checkers: a workload runs against the local stack while calls fail, then this
reads everything back and reports each broken invariant:
- counts equal members: every list's `articlesCount` (all, by tag, by author, favorited by
  each user, each feed) is the number of articles it lists, and `favoritesCount` is the number
  of users whose favorites list the article;
- flags agree: `favorited` is true exactly for the articles in the viewer's favorites;
- feeds are complete: a user's feed lists exactly the articles of the authors they follow;
- nothing duplicated: no two articles of one author share a title, no two comments of one
  author on one article share a body (workloads write each title and body once);
- nothing orphaned: every profile has a Cognito user with its email and its claims, every
  claim and every Cognito user has its profile, no registration still holds claims, and every
  user logs in with the email and password the workload last gave it.

Articles, lists and comments are read through the API, so the check does not depend on how the
tables lay them out; users are read from the users table and the user pool.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3

from conduit.resources import USER_POOL, USERS

#: `call(method, path, body, token)` -> (status, parsed body), through the API.
Call = Callable[[str, str, Any, str | None], tuple[int, Any]]


@dataclass(frozen=True)
class Account:
    username: str
    email: str
    password: str
    token: str


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    articles: int = 0
    comments: int = 0
    users: int = 0

    @property
    def holds(self) -> bool:
        return not self.problems


def _pages(call: Call, path: str, token: str | None) -> tuple[list[dict[str, Any]], int]:
    """Every article of a list, by offset pages; and the count the list states."""
    articles: list[dict[str, Any]] = []
    stated = 0
    while True:
        separator = "&" if "?" in path else "?"
        status, body = call("GET", f"{path}{separator}limit=100&offset={len(articles)}", None, token)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body}")
        stated = int(body["articlesCount"])
        articles += body["articles"]
        if not body["articles"] or len(articles) >= stated:
            return articles, stated


def _counted(problems: list[str], name: str, articles: list[dict[str, Any]], stated: int) -> set[str]:
    slugs = [a["slug"] for a in articles]
    if stated != len(slugs):
        problems.append(f"{name}: articlesCount {stated} but {len(slugs)} listed")
    if len(set(slugs)) != len(slugs):
        problems.append(f"{name}: lists an article twice")
    return set(slugs)


def _scan(table: str) -> Iterator[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb")
    start: dict[str, Any] = {}
    while True:
        page = dynamodb.scan(TableName=table, **start)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def _cognito_users(stage: str) -> dict[str, str]:
    """sub -> email of every user in the stage's pool."""
    cognito = boto3.client("cognito-idp")
    name = USER_POOL.physical_name(stage)
    pool = next(p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name)
    found: dict[str, str] = {}
    for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool):
        for user in page["Users"]:
            attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            found[user["Username"]] = attributes.get("email", "")
    return found


def _check_users(stage: str, accounts: list[Account], call: Call, report: Report) -> None:
    problems = report.problems
    items = list(_scan(USERS.physical_name(stage)))
    profiles = {i["pk"]["S"][len("USER#") :]: i for i in items if i["pk"]["S"].startswith("USER#")}
    claims = {i["pk"]["S"]: i for i in items if i["pk"]["S"].startswith(("USERNAME#", "EMAIL#"))}
    identities = _cognito_users(stage)
    report.users = len(profiles)
    for user_id, profile in profiles.items():
        email, username = profile["email"]["S"], profile["username"]["S"]
        if identities.get(user_id) != email:
            problems.append(f"profile {username}: Cognito has {identities.get(user_id)!r}, not {email!r}")
        for key in (f"USERNAME#{username.lower()}", f"EMAIL#{email.lower()}"):
            if claims.get(key, {}).get("userId", {}).get("S") != user_id:
                problems.append(f"profile {username}: claim {key} is not its own")
    for key, claim in claims.items():
        holder = claim["userId"]["S"]
        if "pendingUntil" in claim:
            problems.append(f"claim {key} still held by registration {holder}")
        elif holder not in profiles:
            problems.append(f"claim {key} points to no profile ({holder})")
    for user_id, email in identities.items():
        if user_id not in profiles:
            problems.append(f"Cognito user {email} ({user_id}) has no profile")
    for item in items:
        if item["pk"]["S"].startswith("DELETION#"):
            problems.append(f"the deletion of account {item['pk']['S'][9:]} is not finished")
    _check_dangling(stage, set(profiles), problems)
    for account in accounts:
        credentials = {"user": {"email": account.email, "password": account.password}}
        status, body = call("POST", "/api/users/login", credentials, None)
        if status != 200 or body["user"]["username"] != account.username:
            problems.append(f"{account.username} cannot log in as {account.email}: {status}")


def _check_dangling(stage: str, profiles: set[str], problems: list[str]) -> None:
    """No follow edge, favorite, comment or user's own list names a user without a profile (a
    deleted account's leftovers)."""
    from conduit.listings.store import about_of, owner_of
    from conduit.resources import COMMENTS, FAVORITES, FOLLOWS, LISTINGS

    for edge in _scan(FOLLOWS.physical_name(stage)):
        for end in ("followerId", "followeeId"):
            if edge[end]["S"] not in profiles:
                problems.append(
                    f"follow edge {edge['followerId']['S']} -> {edge['followeeId']['S']}: no {end}"
                )
    for favorite in _scan(FAVORITES.physical_name(stage)):
        user = favorite["userId"]["S"]
        if not user.startswith("COUNT#") and user not in profiles:
            problems.append(f"favorite of {favorite['articleId']['S']} by {user}: no such user")
    for comment in _scan(COMMENTS.physical_name(stage)):
        if comment["authorId"]["S"] not in profiles:
            problems.append(f"comment {comment['thread']['S']}/{comment['commentId']['N']}: no author")
    for item in _scan(LISTINGS.physical_name(stage)):
        key = item["list"]["S"]
        named = [owner_of(key), about_of(key), item.get("authorId", {}).get("S")]
        sk = item["sk"]["S"]
        if key.startswith(("mine#", "followers#")):
            named.append(key.split("#", 1)[1])
        if key.startswith("followers#"):
            named.append(sk)
        for marker in ("~pull#", "~^follow#"):
            if sk.startswith(marker):
                named.append(sk[len(marker) :])
        if any(user is not None and user not in profiles for user in named):
            problems.append(f"listings item {key} / {sk} names a user without a profile")


def _repeated(what: str, counts: Counter[tuple[str, str]]) -> list[str]:
    return [f"{what} {text!r} by {author} exists {n} times" for (author, text), n in counts.items() if n > 1]


def _check_lists(call: Call, everything: list[dict[str, Any]], problems: list[str]) -> dict[str, set[str]]:
    """Every tag's and author's list holds exactly their articles; returns slugs by author."""
    by_author: dict[str, set[str]] = {}
    for article in everything:
        by_author.setdefault(article["author"]["username"], set()).add(article["slug"])
    problems += _repeated("article", Counter((a["author"]["username"], a["title"]) for a in everything))
    for tag in sorted({t for a in everything for t in a["tagList"]}):
        listed = _counted(problems, f"tag {tag}", *_pages(call, f"/api/articles?tag={tag}", None))
        if listed != {a["slug"] for a in everything if tag in a["tagList"]}:
            problems.append(f"tag {tag}: lists other articles than those tagged")
    for author, slugs in by_author.items():
        listed = _counted(problems, f"author {author}", *_pages(call, f"/api/articles?author={author}", None))
        if listed != slugs:
            problems.append(f"author {author}: lists other articles than theirs")
    return by_author


def _check_reader(
    call: Call, account: Account, by_author: dict[str, set[str]], problems: list[str]
) -> set[str]:
    """A user's favorites agree with their flags and their feed with their follows; returns
    the slugs they favorited."""
    name = account.username
    favorites = _counted(
        problems, f"favorited by {name}", *_pages(call, f"/api/articles?favorited={name}", None)
    )
    seen, _ = _pages(call, "/api/articles", account.token)
    flagged = {a["slug"] for a in seen if a["favorited"]}
    if flagged != favorites:
        problems.append(f"{name}: favorited flags {sorted(flagged ^ favorites)} disagree with their list")
    followed: set[str] = set()
    for author, slugs in by_author.items():
        status, body = call("GET", f"/api/profiles/{author}", None, account.token)
        if author != name and status == 200 and body["profile"]["following"]:
            followed |= slugs
    feed = _counted(problems, f"feed of {name}", *_pages(call, "/api/articles/feed", account.token))
    if feed != followed:
        problems.append(f"feed of {name}: missing {sorted(followed - feed)}, extra {sorted(feed - followed)}")
    return favorites


def _check_article(call: Call, article: dict[str, Any], favoriters: int, report: Report) -> None:
    slug = article["slug"]
    if article["favoritesCount"] != favoriters:
        report.problems.append(f"{slug}: favoritesCount {article['favoritesCount']}, {favoriters} favoriters")
    status, body = call("GET", f"/api/articles/{slug}/comments", None, None)
    comments = body["comments"] if status == 200 else []
    report.comments += len(comments)
    report.problems += _repeated(
        f"{slug}: comment", Counter((c["author"]["username"], c["body"]) for c in comments)
    )
    if len({c["id"] for c in comments}) != len(comments):
        report.problems.append(f"{slug}: two comments share an id")


def check(stage: str, accounts: list[Account], call: Call) -> Report:
    """Read the whole data set back and report every broken invariant."""
    report = Report()
    everything, stated = _pages(call, "/api/articles", accounts[0].token if accounts else None)
    report.articles = len(_counted(report.problems, "all articles", everything, stated))
    by_author = _check_lists(call, everything, report.problems)
    favorited_by: Counter[str] = Counter()
    for account in accounts:
        favorited_by.update(_check_reader(call, account, by_author, report.problems))
    for article in everything:
        _check_article(call, article, favorited_by[article["slug"]], report)
    _check_users(stage, accounts, call, report)
    return report
