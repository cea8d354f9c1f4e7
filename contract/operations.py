"""Each route's contract: what it takes and what it answers, beside what `conduit.routes` says.

`CONTRACTS` holds, per route name, what the route table does not: a summary, the request body
shape, the query parameters, the success status and document, and the refusals that do not
follow from the route itself. What does follow is derived in `contract.openapi`: 401 wherever a
token is read, 404 wherever the path names a resource, 422 wherever a body or a query is
parsed. tests/test_openapi.py fails if a route has no entry here.

`COMMON` declares, once, what many operations share; see `Common` for how to add to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conduit import caching, security_headers
from conduit.articles import models as articles
from conduit.articles.paging import LIMIT_DEFAULT, LIMIT_MAX, OFFSET_MAX, TAG_FILTER_MAX, USERNAME_FILTER_MAX
from conduit.routes import Route
from conduit.users import export
from conduit.users import models as users
from conduit.validation import Shape

JsonSchema = dict[str, Any]


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter, or a request header."""

    name: str
    location: str  # "path", "query" or "header"
    schema: JsonSchema
    description: str
    required: bool = False
    #: Shown by Swagger UI and tried first by schemathesis (`make contract` creates it).
    example: object = None


@dataclass(frozen=True)
class Header:
    """A response header."""

    name: str
    schema: JsonSchema
    description: str
    required: bool = True


@dataclass(frozen=True)
class Answer:
    """A status an operation may answer besides its success, and its body (None: no body)."""

    description: str
    schema: str | None = "GenericErrorModel"
    headers: tuple[Header, ...] = ()


@dataclass(frozen=True)
class Contract:
    """What one route takes and answers, beyond what its `Route` says."""

    summary: str
    tag: str
    success: int
    #: The component schema of the success body; None for 204 No Content.
    response: str | None
    request: Shape[Any] | None = None
    query: tuple[Parameter, ...] = ()
    #: Refusals that do not follow from the route (see the module docstring).
    refusals: dict[int, str] = field(default_factory=dict)
    #: Why a route beyond RealWorld's operations exists; None for RealWorld's own.
    extension: str | None = None


def every_route(route: Route) -> bool:
    """For a `Common` that applies everywhere."""
    return True


@dataclass(frozen=True)
class Common:
    """Statuses, request headers and response headers that the operations `applies` to share.

    This is the one place to declare a cross-cutting part of the contract. For example, a
    503 with `Retry-After` on every route is `Common(every_route, answers={503: Answer(..., headers=
    (RETRY_AFTER,))})`; an `Idempotency-Key` header on POSTs is `Common(lambda r: r.method ==
    "POST", request_headers=(IDEMPOTENCY_KEY,))`; `ETag` and `Cache-Control` on reads, with
    `If-None-Match` and a 304, are `Common(lambda r: r.method == "GET", request_headers=
    (IF_NONE_MATCH,), success_headers=(ETAG, CACHE_CONTROL), answers={304: Answer(..., schema=
    None)})`. The document, the response checks of the API tests and the schemathesis run all
    pick it up from here.
    """

    applies: Callable[[Route], bool]
    answers: dict[int, Answer] = field(default_factory=dict)
    request_headers: tuple[Parameter, ...] = ()
    #: On every response of the operation, success or not.
    headers: tuple[Header, ...] = ()
    #: On its success response only.
    success_headers: tuple[Header, ...] = ()


# Named as conduit.api.app.REQUEST_ID_HEADER sets it (tests/test_openapi.py holds them equal);
# not imported: the app module sets up the functions' logger, which the local stack must not do
# before it has provisioned their environment.
REQUEST_ID = Header(
    "X-Request-Id",
    {"type": "string"},
    "The API Gateway request id: the `correlation_id` of the request's log line and the "
    "`requestId` of its access-log line (docs/operations.md)",
)

RETRY_AFTER = Header(
    "Retry-After", {"type": "string", "pattern": "^[0-9]+$"}, "Seconds to wait before sending it again"
)

IDEMPOTENCY_KEY = Parameter(
    "Idempotency-Key",
    "header",
    {"type": "string", "pattern": '^"?[\\x21\\x23-\\x7e]{1,255}"?$'},
    "A key the client sends with every try of one POST: a repeat within 24 hours by the same caller "
    "gets the first answer and writes nothing (docs/api.md)",
)


CACHE_CONTROL = Header(
    "Cache-Control",
    {"type": "string", "enum": [caching.PUBLIC, caching.PRIVATE, caching.UNCACHEABLE]},
    f"`{caching.PUBLIC}` on an anonymous read anyone may see (a CDN and browsers keep it); "
    f"`{caching.PRIVATE}` whenever an `Authorization` header was sent; `{caching.UNCACHEABLE}` "
    "on anything else (errors, writes)",
)

ETAG = Header(
    "ETag",
    {"type": "string", "pattern": caching.ETAG_PATTERN},
    "A strong validator of the body: send it back as `If-None-Match` to get a 304 while it holds",
)

VARY = Header("Vary", {"type": "string", "enum": [caching.VARY]}, "A signed-in read is never a cached copy")

IF_NONE_MATCH = Parameter(
    "If-None-Match",
    "header",
    {"type": "string"},
    "ETags of copies the client holds (or `*`): the answer is a 304 without a body when one is current",
)


_SECURITY_HEADER_PURPOSES = {
    "Strict-Transport-Security": "HTTPS only, for two years, subdomains too",
    "X-Content-Type-Options": "a browser never sniffs an answer into another type",
    "Referrer-Policy": "a link followed from an answer names no API URL",
    "Content-Security-Policy": "an answer rendered by a browser runs, loads and frames nothing",
}
#: On every answer, each with its one value (conduit.security_headers).
SECURITY_HEADERS = tuple(
    Header(name, {"type": "string", "enum": [value]}, f"`{value}`: {_SECURITY_HEADER_PURPOSES[name]}")
    for name, value in security_headers.SECURITY_HEADERS.items()
)


def is_read(route: Route) -> bool:
    """A GET: its answer carries an ETag, and a matching `If-None-Match` gets a 304."""
    return route.method == "GET"


def calls_aws(route: Route) -> bool:
    """A route that calls AWS may meet a fault that outlives the retry budget."""
    return bool(route.grants)


#: Routes that refuse a request sent again too soon (429 with `Retry-After`).
RATE_LIMITED = frozenset({"ResendEmailCode"})

COMMON: tuple[Common, ...] = (
    # The edge (conduit.security_headers, conduit.origin): on every answer, and the refusal of a
    # request sent around a stage's CloudFront distribution.
    Common(
        every_route,
        headers=SECURITY_HEADERS,
        answers={
            403: Answer(
                "Sent around the edge: a stage with a CloudFront distribution answers only what came "
                "through it (`request: must be sent to the API's public address`)"
            )
        },
    ),
    Common(
        every_route,
        answers={
            500: Answer("A fault on our side: the body says only `server: internal error`; the log says why")
        },
        headers=(REQUEST_ID, CACHE_CONTROL),
    ),
    Common(
        is_read,
        request_headers=(IF_NONE_MATCH,),
        success_headers=(ETAG, VARY),
        answers={
            304: Answer(
                "Not Modified: `If-None-Match` names the current `ETag`; no body",
                schema=None,
                headers=(ETAG, VARY),
            )
        },
    ),
    Common(
        calls_aws,
        answers={
            503: Answer(
                "AWS kept failing (throttling, 5xx, conflicts, timeouts) past the retry budget: "
                "send it again after `Retry-After`",
                headers=(RETRY_AFTER,),
            )
        },
    ),
    Common(
        lambda route: route.name in RATE_LIMITED,
        answers={
            429: Answer(
                "Asked again too soon (a new code at most once a minute): send it again after `Retry-After`",
                headers=(RETRY_AFTER,),
            )
        },
    ),
    Common(
        lambda route: route.limit is not None,
        answers={
            429: Answer(
                'Over a per-account limit (docs/api.md, "Limits per account"): nothing was done; '
                "send it again after `Retry-After`",
                headers=(RETRY_AFTER,),
            )
        },
    ),
    Common(
        lambda route: route.accepts_idempotency_key,
        request_headers=(IDEMPOTENCY_KEY,),
        answers={
            409: Answer(
                "A repeat of this `Idempotency-Key` while the first request still runs",
                headers=(RETRY_AFTER,),
            ),
            422: Answer("A malformed `Idempotency-Key`, or one already used with another body"),
        },
    ),
)

#: The path's parameters, by name: every route names its resources with these.
PATH_PARAMETERS: dict[str, Parameter] = {
    "username": Parameter("username", "path", {"type": "string"}, "A username, as registered", True, "celeb"),
    "slug": Parameter(
        "slug", "path", {"type": "string"}, "An article's slug", True, "how-to-train-your-dragon"
    ),
    "id": Parameter("id", "path", {"type": "integer", "minimum": 1}, "A comment's id", True, 1),
}


_PAGING = (
    Parameter(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT},
        "How many articles a page holds",
    ),
    Parameter(
        "offset",
        "query",
        {"type": "integer", "minimum": 0, "maximum": OFFSET_MAX, "default": 0},
        "How many articles to skip; deeper than the maximum, follow `nextCursor`",
    ),
    Parameter(
        "cursor",
        "query",
        {"type": "string"},
        "Extension: the `nextCursor` of the previous page (with `limit`, without `offset`)",
    ),
)
_FILTERS = (
    Parameter("tag", "query", {"type": "string", "maxLength": TAG_FILTER_MAX}, "Only articles with this tag"),
    Parameter(
        "author",
        "query",
        {"type": "string", "maxLength": USERNAME_FILTER_MAX},
        "Only articles by this username",
    ),
    Parameter(
        "favorited",
        "query",
        {"type": "string", "maxLength": USERNAME_FILTER_MAX},
        "Only articles this username favorited",
    ),
)

_NOT_THE_AUTHOR = "Not the author's: only its author may change or delete it"

CONTRACTS: dict[str, Contract] = {
    "RegisterUser": Contract(
        "Register a user", "User and Authentication", 201, "UserResponse", request=users.NEW_USER
    ),
    "LoginUser": Contract(
        "Sign in",
        "User and Authentication",
        200,
        "UserResponse",
        request=users.LOGIN_USER,
        refusals={401: "Wrong email or password"},
    ),
    "RefreshToken": Contract(
        "Renew a token",
        "User and Authentication",
        200,
        "UserResponse",
        request=users.REFRESH_REQUEST,
        refusals={401: "The refresh token is invalid or expired, or its session has ended"},
        extension="tokens last a stage setting's time; a refresh token renews one without the password",
    ),
    "Logout": Contract(
        "Sign out",
        "User and Authentication",
        204,
        None,
        extension="ends the session of the token sent: it, and every token refreshed from it, is "
        "refused from then on (within 60 s everywhere)",
    ),
    "EndAllSessions": Contract(
        "Sign out everywhere",
        "User and Authentication",
        204,
        None,
        extension="ends every session of the caller, on every device (within 60 s everywhere)",
    ),
    "DeleteCurrentUser": Contract(
        "Delete your account",
        "User and Authentication",
        204,
        None,
        request=users.ACCOUNT_DELETION,
        refusals={422: "The password is missing or wrong"},
        extension="people may leave (app stores require it, and GDPR's right to erasure): at once "
        "the profile, username, email, sign-in and tokens go; within seconds everything else "
        "(docs/api.md)",
    ),
    "ExportCurrentUser": Contract(
        "A copy of your data",
        "User and Authentication",
        200,
        "UserExportResponse",
        query=(
            Parameter(
                "part",
                "query",
                {"type": "string", "enum": [part.value for part in export.Part]},
                "Only this part, from `cursor` on (the `next` of an earlier answer)",
            ),
            Parameter(
                "cursor",
                "query",
                {"type": "string", "maxLength": 4096},
                "Where `part` goes on: the answer's `next.<part>`",
            ),
        ),
        extension="GDPR's right to a copy of one's data: the profile, articles, comments, "
        f"favorites and follows, {export.PAGE} of each per answer ({export.ARTICLES_PAGE} articles)",
    ),
    "GetCurrentUser": Contract("The current user", "User and Authentication", 200, "UserResponse"),
    "ConfirmEmail": Contract(
        "Confirm your email with the code sent to it",
        "User and Authentication",
        200,
        "UserResponse",
        request=users.EMAIL_CONFIRMATION,
        refusals={
            422: "`code is invalid or expired`: wrong, older than 24 hours, or void after 5 wrong "
            "tries; `email has already been taken`: not confirmed within 24 hours, and another "
            "account has it since"
        },
        extension="an email is proved before it is trusted: registration sends a code to it, and a "
        "new email set with `PUT /api/user` replaces the old one (ending every other session) "
        "only once its code is confirmed",
    ),
    "ResendEmailCode": Contract(
        "Send a new code to the email waiting for one",
        "User and Authentication",
        202,
        "AcceptedResponse",
        refusals={422: "`email has already been confirmed`: no email waits for a code"},
        extension="a code that expired, was lost or was tried 5 times wrong is replaced; at most one "
        "a minute",
    ),
    "ForgotPassword": Contract(
        "Ask for a password reset code",
        "User and Authentication",
        202,
        "AcceptedResponse",
        request=users.PASSWORD_FORGOTTEN,
        extension="people who forgot their password get back in: a code is emailed to the address "
        "if it is an account's confirmed email (at most one a minute); the answer is the same "
        "whatever the address, so it tells nobody whether it has an account",
    ),
    "ResetPassword": Contract(
        "Set a new password with the code emailed",
        "User and Authentication",
        200,
        "UserResponse",
        request=users.PASSWORD_RESET,
        refusals={
            422: "`code is invalid or expired`: wrong, older than an hour, or void after 5 wrong tries"
        },
        extension="the second step of `POST /api/users/password/forgot`: every earlier session of the "
        "account ends, and the answer signs it in afresh",
    ),
    "UpdateCurrentUser": Contract(
        "Change the current user", "User and Authentication", 200, "UserResponse", request=users.USER_CHANGES
    ),
    "GetProfile": Contract("A profile", "Profile", 200, "ProfileResponse"),
    "FollowUser": Contract(
        "Follow a user", "Profile", 200, "ProfileResponse", refusals={422: "Following yourself"}
    ),
    "UnfollowUser": Contract(
        "Unfollow a user", "Profile", 200, "ProfileResponse", refusals={422: "Unfollowing yourself"}
    ),
    "ListArticles": Contract(
        "Articles, newest first", "Articles", 200, "MultipleArticlesResponse", query=_FILTERS + _PAGING
    ),
    "FeedArticles": Contract(
        "Articles by the authors the caller follows",
        "Articles",
        200,
        "MultipleArticlesResponse",
        query=_PAGING,
    ),
    "CreateArticle": Contract(
        "Publish an article", "Articles", 201, "SingleArticleResponse", request=articles.NEW_ARTICLE
    ),
    "GetArticle": Contract("An article", "Articles", 200, "SingleArticleResponse"),
    "UpdateArticle": Contract(
        "Change an article",
        "Articles",
        200,
        "SingleArticleResponse",
        request=articles.ARTICLE_CHANGES,
        refusals={403: _NOT_THE_AUTHOR},
    ),
    "DeleteArticle": Contract("Delete an article", "Articles", 204, None, refusals={403: _NOT_THE_AUTHOR}),
    "FavoriteArticle": Contract("Favorite an article", "Favorites", 200, "SingleArticleResponse"),
    "UnfavoriteArticle": Contract("Unfavorite an article", "Favorites", 200, "SingleArticleResponse"),
    "ListComments": Contract(
        "An article's comments, newest first", "Comments", 200, "MultipleCommentsResponse"
    ),
    "AddComment": Contract(
        "Comment on an article", "Comments", 200, "SingleCommentResponse", request=articles.NEW_COMMENT
    ),
    "DeleteComment": Contract(
        "Delete a comment",
        "Comments",
        204,
        None,
        refusals={403: _NOT_THE_AUTHOR, 422: "The id is not a positive integer"},
    ),
    "ListTags": Contract("The most used tags", "Tags", 200, "TagsResponse"),
    "GetOpenApiDocument": Contract(
        "This document",
        "Contract",
        200,
        "OpenApiDocument",
        extension="clients of a deployed stage read the contract from the stage itself",
    ),
}
