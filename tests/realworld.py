"""The RealWorld API as facts: which operations a Conduit backend serves, with their statuses
and the fields of what they answer.

These are the facts any RealWorld frontend relies on, written down as data so the project
checks itself against them without reading anything outside the repository. They follow the
RealWorld specification (github.com/gothinkster/realworld, `api/openapi.yml`); its text is
not copied here. Our own, fuller contract is the OpenAPI document the API serves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as our API serves it, under /api
    token_required: bool
    success: int  # the status of a successful call
    request: str | None = None  # the wrapper key of the JSON body it takes
    response: str | None = None  # the top-level key of the JSON body it answers

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


OPERATIONS: tuple[Operation, ...] = (
    Operation("POST", "/api/users/login", False, 200, "user", "user"),
    Operation("POST", "/api/users", False, 201, "user", "user"),
    Operation("GET", "/api/user", True, 200, None, "user"),
    Operation("PUT", "/api/user", True, 200, "user", "user"),
    Operation("GET", "/api/profiles/{username}", False, 200, None, "profile"),
    Operation("POST", "/api/profiles/{username}/follow", True, 200, None, "profile"),
    Operation("DELETE", "/api/profiles/{username}/follow", True, 200, None, "profile"),
    Operation("GET", "/api/articles/feed", True, 200, None, "articles"),
    Operation("GET", "/api/articles", False, 200, None, "articles"),
    Operation("POST", "/api/articles", True, 201, "article", "article"),
    Operation("GET", "/api/articles/{slug}", False, 200, None, "article"),
    Operation("PUT", "/api/articles/{slug}", True, 200, "article", "article"),
    Operation("DELETE", "/api/articles/{slug}", True, 204),
    Operation("GET", "/api/articles/{slug}/comments", False, 200, None, "comments"),
    Operation("POST", "/api/articles/{slug}/comments", True, 200, "comment", "comment"),
    Operation("DELETE", "/api/articles/{slug}/comments/{id}", True, 204),
    Operation("POST", "/api/articles/{slug}/favorite", True, 200, None, "article"),
    Operation("DELETE", "/api/articles/{slug}/favorite", True, 200, None, "article"),
    Operation("GET", "/api/tags", False, 200, None, "tags"),
)

OPERATIONS_BY_KEY: dict[str, Operation] = {o.route_key: o for o in OPERATIONS}

#: The fields every object of these kinds carries (frontends read each of them).
REQUIRED_FIELDS: dict[str, frozenset[str]] = {
    "User": frozenset({"email", "token", "username", "bio", "image"}),
    "Profile": frozenset({"username", "bio", "image", "following"}),
    "Article": frozenset(
        {
            "slug",
            "title",
            "description",
            "body",
            "tagList",
            "createdAt",
            "updatedAt",
            "favorited",
            "favoritesCount",
            "author",
        }
    ),
    # List pages carry every field of an article but its body (the spec since 2024-08).
    "ArticleSummary": frozenset(
        {
            "slug",
            "title",
            "description",
            "tagList",
            "createdAt",
            "updatedAt",
            "favorited",
            "favoritesCount",
            "author",
        }
    ),
    "Comment": frozenset({"id", "createdAt", "updatedAt", "body", "author"}),
}

#: The fields a request body must carry, by the request's wrapper and operation.
REQUIRED_REQUEST_FIELDS: dict[str, frozenset[str]] = {
    "POST /api/users/login": frozenset({"email", "password"}),
    "POST /api/users": frozenset({"username", "email", "password"}),
    "PUT /api/user": frozenset(),
    "POST /api/articles": frozenset({"title", "description", "body"}),
    "PUT /api/articles/{slug}": frozenset(),
    "POST /api/articles/{slug}/comments": frozenset({"body"}),
}
