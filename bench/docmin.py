"""The round trips docs/data-model.md promises per endpoint, read from its table.

The doc is the contract the bench measures against, so the figures are parsed from it, not
copied; `ROW_OF_ROUTE` names each route's row and a test keeps both in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-model.md"
SECTION = "## Calls per endpoint"

#: The first cell of the doc's row for each route (and worker) of the route table.
ROW_OF_ROUTE: dict[str, str] = {
    "RegisterUser": "`POST /api/users`",
    "LoginUser": "`POST /api/users/login`",
    "GetCurrentUser": "`GET /api/user`",
    "RefreshToken": "`POST /api/users/token`",
    "Logout": "`POST /api/user/logout`",
    "EndAllSessions": "`DELETE /api/user/sessions`",
    "ConfirmEmail": "`POST /api/user/email/confirm`",
    "ResendEmailCode": "`POST /api/user/email/resend`",
    "ForgotPassword": "`POST /api/users/password/forgot`",
    "ResetPassword": "`POST /api/users/password/reset`",
    "DeleteCurrentUser": "`DELETE /api/user`",
    "ExportCurrentUser": "`GET /api/user/export`",
    "UpdateCurrentUser": "`PUT /api/user`",
    "GetProfile": "`GET /api/profiles/{username}`",
    "FollowUser": "`POST`/`DELETE …/follow`",
    "UnfollowUser": "`POST`/`DELETE …/follow`",
    "ListArticles": "`GET /api/articles`",
    "FeedArticles": "`GET /api/articles/feed`",
    "GetArticle": "`GET /api/articles/{slug}`",
    "CreateArticle": "`POST /api/articles`",
    "UpdateArticle": "`PUT /api/articles/{slug}`",
    "DeleteArticle": "`DELETE /api/articles/{slug}`",
    "FavoriteArticle": "`POST`/`DELETE …/favorite`",
    "UnfavoriteArticle": "`POST`/`DELETE …/favorite`",
    "ListComments": "`GET …/comments`",
    "AddComment": "`POST …/comments`",
    "DeleteComment": "`DELETE …/comments/{id}`",
    "ListTags": "`GET /api/tags`",
    "GetOpenApiDocument": "`GET /api/openapi.json`",
}

_ROUND_TRIPS = re.compile(r"^\s*(\d+)(?:\s*[\u2013-]\s*(\d+))?")


@dataclass(frozen=True)
class Minimum:
    """What the doc states: DynamoDB round trips (a range when it depends on the request)."""

    row: str
    low: int
    high: int
    cognito: bool  # "(+ Cognito)": Cognito calls come on top
    text: str  # the whole round-trips cell
    calls: str  # the calls cell


def parse_round_trips(cell: str) -> tuple[int, int]:
    """`2`, `2\u20133 (+ Cognito)`, `2 (3 when refused)` -> (low, high) as the cell's leading figure."""
    match = _ROUND_TRIPS.match(cell)
    if match is None:
        raise ValueError(f"no round trips in {cell!r}")
    low = int(match.group(1))
    return low, int(match.group(2) or low)


def table_rows(text: str) -> dict[str, Minimum]:
    """The rows of the table under `## Calls per endpoint`, by their first cell."""
    _, found, rest = text.partition(SECTION)
    if not found:
        raise ValueError(f"{SECTION!r} not in the doc")
    rows: dict[str, Minimum] = {}
    for line in rest.splitlines():
        if line.startswith("## ") or line.startswith("### "):
            break
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("endpoint", "") or set(cells[0]) <= {"-"}:
            continue
        low, high = parse_round_trips(cells[1])
        rows[cells[0]] = Minimum(cells[0], low, high, "Cognito" in cells[1], cells[1], cells[2])
    return rows


def minimums(doc: Path = DOC) -> dict[str, Minimum]:
    """Each route's stated round trips, by route name."""
    rows = table_rows(doc.read_text(encoding="utf-8"))
    return {route: rows[row] for route, row in ROW_OF_ROUTE.items()}
