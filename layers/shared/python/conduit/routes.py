"""The route table: every endpoint declared once.

The CDK app creates one function, one route and one least-privilege role per entry; the local
gateway serves the same entries; the tests check that every handler calls only the AWS
actions its entry grants. Handlers live under `functions/`, named relative to that folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conduit.resources import (
    ARTICLES,
    CELEBRITY_FOLLOWERS_ENV_VAR,
    COMMENTS,
    FAVORITES,
    FOLLOWS,
    IDEMPOTENCY,
    LISTINGS,
    USER_POOL,
    USERS,
    Table,
    UserPool,
)


class Auth(StrEnum):
    REQUIRED = "required"  # 401 without a valid token
    OPTIONAL = "optional"  # anonymous works; a token, if sent, must be valid
    NONE = "none"  # the Authorization header is ignored


@dataclass(frozen=True)
class TableGrant:
    """DynamoDB actions a handler may call on one table (and its indexes, if `indexes`)."""

    table: Table
    actions: tuple[str, ...]
    indexes: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserPoolGrant:
    """Cognito actions that need IAM; public calls (InitiateAuth) are listed for the drift test."""

    pool: UserPool
    actions: tuple[str, ...]


#: Cognito API calls a public app client may make without IAM permissions.
UNSIGNED_COGNITO_ACTIONS = frozenset(
    {
        "InitiateAuth",
        # authorized by the caller's access token, or public on the app client (its codes)
        "GetUserAttributeVerificationCode",
        "VerifyUserAttribute",
        "ForgotPassword",
        "ConfirmForgotPassword",
    }
)

Grant = TableGrant | UserPoolGrant

#: What Powertools' Idempotency utility does with a POST's `Idempotency-Key` (docs/api.md).
IDEMPOTENCY_GRANT = TableGrant(IDEMPOTENCY, ("GetItem", "PutItem", "UpdateItem", "DeleteItem"))
#: Every function that reads a token reads which sessions of its caller have ended
#: (conduit.users.sessions); the routes that end or admit sessions write that item too.
SESSIONS_READ = TableGrant(USERS, ("GetItem",))
SESSIONS_WRITE = TableGrant(USERS, ("GetItem", "PutItem"))
#: A limited route counts each call against its limit (conduit.limits).
LIMIT_GRANT = TableGrant(USERS, ("UpdateItem",))


@dataclass(frozen=True)
class Route:
    name: str  # unique, PascalCase: CDK construct ids and function names derive from it
    method: str
    path: str  # OpenAPI style: /api/profiles/{username}
    handler: str  # "<module under functions/>.<callable>"
    auth: Auth
    grants: tuple[Grant, ...] = ()
    # Why the memory size is what it is: see docs/architecture.md.
    memory_mb: int = 512
    timeout_seconds: int = 10
    #: Every POST replays its first answer to a repeated `Idempotency-Key` unless it opts out;
    #: the idempotency table's grant is added to its grants here, so it is declared once.
    replays_idempotency_keys: bool = True
    #: The per-account limit each call counts against (a name in `conduit.limits.LIMITS`); the
    #: adapter counts it with one UpdateItem on the users table, granted here.
    limit: str | None = None

    def __post_init__(self) -> None:
        if self.accepts_idempotency_key and IDEMPOTENCY_GRANT not in self.grants:
            object.__setattr__(self, "grants", (*self.grants, IDEMPOTENCY_GRANT))
        if self.auth is not Auth.NONE and SESSIONS_READ not in self.grants:
            object.__setattr__(self, "grants", (*self.grants, SESSIONS_READ))
        if self.limit is not None and LIMIT_GRANT not in self.grants:
            object.__setattr__(self, "grants", (*self.grants, LIMIT_GRANT))

    @property
    def accepts_idempotency_key(self) -> bool:
        return self.method == "POST" and self.replays_idempotency_keys

    @property
    def route_key(self) -> str:
        """The API Gateway HTTP API route key (also the event's `routeKey`)."""
        return f"{self.method} {self.path}"

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


_PROFILE = TableGrant(USERS, ("GetItem",))
# What a viewer wrote that the worker may not have carried everywhere yet: their pending
# changes (one Query), and snapshots of a list entry with its counter, and of a favorite's
# marker with its article's count items (conduit.listings.pending).
_OWN_CHANGES = (
    TableGrant(LISTINGS, ("Query", "TransactGetItems", "GetItem")),
    TableGrant(FAVORITES, ("TransactGetItems", "GetItem")),
)
# The viewer's flags on one article: the follow edge and the favorite, by key.
_FLAGS_BY_KEY = (TableGrant(FOLLOWS, ("GetItem",)), TableGrant(FAVORITES, ("GetItem",)), *_OWN_CHANGES)
# A page: the list's Queries (cards), the viewer's favorites list between the page's ends and
# follow edges beside it, and by key what those ranges did not cover (and a favorites list's
# article items).
_READ_PAGE = (
    TableGrant(LISTINGS, ("Query", "TransactGetItems", "GetItem")),
    TableGrant(FOLLOWS, ("Query", "BatchGetItem")),
    TableGrant(FAVORITES, ("BatchGetItem", "TransactGetItems", "GetItem")),
)


def _favorite_grants(*item_actions: str) -> tuple[Grant, ...]:
    """Favoriting writes the favorite, the caller's `fav#<user>` entry and counter and their
    record of the change in one transaction, then shows the article with its count read from
    its source."""
    return (
        TableGrant(ARTICLES, ("GetItem",)),
        TableGrant(FAVORITES, ("TransactWriteItems", "TransactGetItems", "GetItem", *item_actions)),
        TableGrant(
            LISTINGS, ("UpdateItem", "PutItem", "Query", "TransactGetItems", "GetItem", *item_actions)
        ),
        TableGrant(FOLLOWS, ("GetItem",)),
    )


ROUTES: tuple[Route, ...] = (
    Route(
        name="RegisterUser",
        method="POST",
        path="/api/users",
        handler="users.register.handler",
        auth=Auth.NONE,
        grants=(
            # claims, the profile of a Cognito user found holding the email, the transactions;
            # the code's record (conduit.users.codes); an account that never confirmed the
            # email in time losing it: its profile, and its sessions ended
            TableGrant(
                USERS,
                ("BatchGetItem", "GetItem", "TransactWriteItems", "PutItem", "DeleteItem", "UpdateItem"),
            ),
            UserPoolGrant(
                USER_POOL,
                (
                    "AdminCreateUser",
                    "AdminGetUser",  # who holds the email when AdminCreateUser says it exists
                    "AdminSetUserPassword",
                    "AdminDeleteUser",
                    "AdminInitiateAuth",  # the sign-in answered
                    "GetUserAttributeVerificationCode",  # the code to the new address
                    "AdminUpdateUserAttributes",  # the email an unconfirmed account loses
                ),
            ),
        ),
    ),
    Route(
        name="LoginUser",
        method="POST",
        path="/api/users/login",
        handler="users.login.handler",
        auth=Auth.NONE,
        # the profile; the caller's sessions, let through when it signs in in the second of
        # a sign-out everywhere (conduit.users.sessions.admit)
        grants=(_PROFILE, SESSIONS_WRITE, UserPoolGrant(USER_POOL, ("AdminInitiateAuth",))),
        # A login writes nothing to repeat, and its answer is a fresh token: keeping it for
        # replay would store a bearer token for a day. The header is ignored (docs/api.md).
        replays_idempotency_keys=False,
    ),
    # Extension: a refresh token (login and registration answer one) for a fresh access token.
    Route(
        name="RefreshToken",
        method="POST",
        path="/api/users/token",
        handler="users.refresh.handler",
        auth=Auth.NONE,
        # Cognito's refresh; the session read now (a revoked one is refused), the profile
        grants=(_PROFILE, UserPoolGrant(USER_POOL, ("InitiateAuth",))),
        replays_idempotency_keys=False,  # as a login: its answer is a fresh token
    ),
    # Extension: sign out: the session of the token sent ends (and every token refreshed from it).
    Route(
        name="Logout",
        method="POST",
        path="/api/user/logout",
        handler="users.logout.handler",
        auth=Auth.REQUIRED,
        grants=(SESSIONS_WRITE,),
        replays_idempotency_keys=False,  # a repeat is the same logout, done again
    ),
    # Extension: sign out everywhere.
    Route(
        name="EndAllSessions",
        method="DELETE",
        path="/api/user/sessions",
        handler="users.end_sessions.handler",
        auth=Auth.REQUIRED,
        grants=(SESSIONS_WRITE, UserPoolGrant(USER_POOL, ("AdminUserGlobalSignOut",))),
    ),
    Route(
        name="GetCurrentUser",
        method="GET",
        path="/api/user",
        handler="users.get_current.handler",
        auth=Auth.REQUIRED,
        grants=(_PROFILE,),
    ),
    Route(
        name="UpdateCurrentUser",
        method="PUT",
        path="/api/user",
        handler="users.update_current.handler",
        auth=Auth.REQUIRED,
        limit="profile_changes",
        grants=(
            # the profile and its claims; the code's record of a new email (conduit.users.codes)
            TableGrant(
                USERS,
                ("GetItem", "BatchGetItem", "TransactWriteItems", "PutItem", "DeleteItem", "UpdateItem"),
            ),
            TableGrant(LISTINGS, ("PutItem",)),  # the user's record of a new card
            UserPoolGrant(
                USER_POOL,
                (
                    "AdminUpdateUserAttributes",
                    "AdminSetUserPassword",
                    # who holds an email Cognito says is in use: this user, a failed
                    # registration's user without a profile, which is deleted, or an account
                    # that never confirmed it in time, which loses it
                    "AdminGetUser",
                    "AdminDeleteUser",
                    # the current password checked; a new one ends every other session
                    "AdminInitiateAuth",
                    "AdminUserGlobalSignOut",
                ),
            ),
        ),
    ),
    Route(
        name="DeleteCurrentUser",
        method="DELETE",
        path="/api/user",
        handler="users.delete_current.handler",
        auth=Auth.REQUIRED,
        # the profile, the deletion's record; one transaction: the profile and its claims go,
        # the record comes; the tokens' revocation; the password checked, the Cognito user gone
        grants=(
            TableGrant(USERS, ("GetItem", "TransactWriteItems", "DeleteItem", "PutItem")),
            UserPoolGrant(USER_POOL, ("AdminInitiateAuth", "AdminDeleteUser")),
        ),
    ),
    Route(
        name="ExportCurrentUser",
        method="GET",
        path="/api/user/export",
        handler="users.export.handler",
        auth=Auth.REQUIRED,
        # round 1: the profile, their author list, comments (`byAuthor`), favorites, follows and
        # followers (`byFollowee`); round 2: bodies, comments, articles' slugs and usernames;
        # round 3: the slugs of the articles they commented on
        grants=(
            TableGrant(USERS, ("GetItem", "BatchGetItem")),
            TableGrant(LISTINGS, ("Query",)),
            TableGrant(ARTICLES, ("BatchGetItem",)),
            TableGrant(COMMENTS, ("Query", "BatchGetItem"), indexes=("byAuthor",)),
            TableGrant(FAVORITES, ("Query",)),
            TableGrant(FOLLOWS, ("Query",), indexes=("byFollowee",)),
        ),
    ),
    # Extension: confirming an email with the code Cognito sent to it (conduit.users.verification).
    Route(
        name="ConfirmEmail",
        method="POST",
        path="/api/user/email/confirm",
        handler="users.confirm_email.handler",
        auth=Auth.REQUIRED,
        grants=(
            # the profile and the email's claim; the code's record (its wrong tries, then gone);
            # one transaction moves the claims; a new email ends the caller's other sessions
            TableGrant(
                USERS,
                ("GetItem", "BatchGetItem", "TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"),
            ),
            SESSIONS_WRITE,
            UserPoolGrant(
                USER_POOL,
                (
                    "VerifyUserAttribute",  # with the caller's token
                    "AdminGetUser",  # whether a refused code was used by an earlier try
                ),
            ),
        ),
    ),
    Route(
        name="ResendEmailCode",
        method="POST",
        path="/api/user/email/resend",
        handler="users.resend_email_code.handler",
        auth=Auth.REQUIRED,
        # the profile; the code's record, updated only if a minute has passed
        grants=(
            TableGrant(USERS, ("GetItem", "UpdateItem")),
            UserPoolGrant(USER_POOL, ("GetUserAttributeVerificationCode",)),
        ),
    ),
    # Extension: a forgotten password, reset with a code Cognito emails (conduit.users.recovery).
    Route(
        name="ForgotPassword",
        method="POST",
        path="/api/users/password/forgot",
        handler="users.forgot_password.handler",
        auth=Auth.NONE,
        limit="password_resets",  # per address, not account: counted by the use case (users.recovery)
        # the address's count (conduit.limits) and code record (at most one code a minute); the
        # same calls for every address
        grants=(TableGrant(USERS, ("GetItem", "UpdateItem")), UserPoolGrant(USER_POOL, ("ForgotPassword",))),
    ),
    Route(
        name="ResetPassword",
        method="POST",
        path="/api/users/password/reset",
        handler="users.reset_password.handler",
        auth=Auth.NONE,
        grants=(
            # the code's record (its wrong tries, then gone), the profile; every session ended
            TableGrant(USERS, ("GetItem", "UpdateItem", "DeleteItem")),
            SESSIONS_WRITE,
            UserPoolGrant(
                USER_POOL,
                (
                    "ConfirmForgotPassword",
                    "AdminGetUser",  # whose the address is
                    "AdminUserGlobalSignOut",  # Cognito's refresh tokens
                    "AdminInitiateAuth",  # the fresh sign-in answered
                ),
            ),
        ),
        # Its answer is a fresh token and its body a password: keeping either for a replay would
        # store a credential for a day. The header is ignored, as a login's (docs/api.md).
        replays_idempotency_keys=False,
    ),
    Route(
        name="GetProfile",
        method="GET",
        path="/api/profiles/{username}",
        handler="profiles.get.handler",
        auth=Auth.OPTIONAL,
        grants=(_PROFILE, TableGrant(FOLLOWS, ("GetItem",))),
    ),
    Route(
        name="FollowUser",
        method="POST",
        path="/api/profiles/{username}/follow",
        handler="profiles.follow.handler",
        auth=Auth.REQUIRED,
        limit="follows",
        # the edge and the follower's record of it, in one transaction
        grants=(
            _PROFILE,
            TableGrant(FOLLOWS, ("TransactWriteItems", "PutItem")),
            TableGrant(LISTINGS, ("UpdateItem",)),
        ),
    ),
    Route(
        name="UnfollowUser",
        method="DELETE",
        path="/api/profiles/{username}/follow",
        handler="profiles.unfollow.handler",
        auth=Auth.REQUIRED,
        limit="follows",
        grants=(
            _PROFILE,
            TableGrant(FOLLOWS, ("TransactWriteItems", "DeleteItem")),
            TableGrant(LISTINGS, ("UpdateItem",)),
        ),
    ),
    Route(
        name="ListArticles",
        method="GET",
        path="/api/articles",
        handler="articles.list.handler",
        auth=Auth.OPTIONAL,
        # usernames of the filters; a favorites list's article items
        grants=(TableGrant(USERS, ("BatchGetItem",)), TableGrant(ARTICLES, ("BatchGetItem",)), *_READ_PAGE),
    ),
    Route(
        name="FeedArticles",
        method="GET",
        path="/api/articles/feed",
        handler="articles.feed.handler",
        auth=Auth.REQUIRED,
        grants=_READ_PAGE[:1] + _READ_PAGE[2:],
    ),
    Route(
        name="CreateArticle",
        method="POST",
        path="/api/articles",
        handler="articles.create.handler",
        auth=Auth.REQUIRED,
        limit="articles",
        grants=(
            # the author's card; slug candidates, the claim on a lost race, the one transaction
            _PROFILE,
            TableGrant(ARTICLES, ("BatchGetItem", "GetItem", "TransactWriteItems", "PutItem")),
            TableGrant(LISTINGS, ("PutItem", "UpdateItem")),
        ),
    ),
    Route(
        name="GetArticle",
        method="GET",
        path="/api/articles/{slug}",
        handler="articles.get.handler",
        auth=Auth.OPTIONAL,
        grants=(TableGrant(ARTICLES, ("GetItem",)), *_FLAGS_BY_KEY),
    ),
    Route(
        name="UpdateArticle",
        method="PUT",
        path="/api/articles/{slug}",
        handler="articles.update.handler",
        auth=Auth.REQUIRED,
        limit="article_changes",
        grants=(
            # a new title moves the slug claim in a transaction with the article
            TableGrant(
                ARTICLES,
                ("GetItem", "BatchGetItem", "UpdateItem", "TransactWriteItems", "PutItem", "DeleteItem"),
            ),
            TableGrant(LISTINGS, ("PutItem",)),  # the author's record of the edit
            *_FLAGS_BY_KEY,
        ),
    ),
    Route(
        name="DeleteArticle",
        method="DELETE",
        path="/api/articles/{slug}",
        handler="articles.delete.handler",
        auth=Auth.REQUIRED,
        limit="article_changes",
        grants=(
            TableGrant(ARTICLES, ("GetItem", "TransactWriteItems", "DeleteItem")),
            TableGrant(LISTINGS, ("DeleteItem", "UpdateItem", "PutItem")),
        ),
    ),
    Route(
        name="FavoriteArticle",
        method="POST",
        path="/api/articles/{slug}/favorite",
        handler="favorites.favorite.handler",
        auth=Auth.REQUIRED,
        limit="favorites",
        grants=_favorite_grants("PutItem"),
    ),
    Route(
        name="UnfavoriteArticle",
        method="DELETE",
        path="/api/articles/{slug}/favorite",
        handler="favorites.unfavorite.handler",
        auth=Auth.REQUIRED,
        limit="favorites",
        grants=_favorite_grants("DeleteItem"),
    ),
    Route(
        name="ListComments",
        method="GET",
        path="/api/articles/{slug}/comments",
        handler="comments.list.handler",
        auth=Auth.OPTIONAL,
        # the slug claim; the comment partitions beside the viewer's follow edges and pending
        # changes (their comments of the last moment, by key)
        grants=(
            TableGrant(ARTICLES, ("GetItem",)),
            TableGrant(COMMENTS, ("Query", "GetItem")),
            TableGrant(FOLLOWS, ("Query", "BatchGetItem")),
            TableGrant(LISTINGS, ("Query",)),
        ),
    ),
    Route(
        name="AddComment",
        method="POST",
        path="/api/articles/{slug}/comments",
        handler="comments.add.handler",
        auth=Auth.REQUIRED,
        limit="comments",
        # the slug claim and a block of ids; the author's card and recent comments; the comment
        # with their record of it (read back only when a repeat finds its id taken)
        grants=(
            TableGrant(ARTICLES, ("GetItem", "UpdateItem")),
            TableGrant(COMMENTS, ("TransactWriteItems", "PutItem", "GetItem")),
            TableGrant(LISTINGS, ("Query", "PutItem")),
            _PROFILE,
        ),
    ),
    Route(
        name="DeleteComment",
        method="DELETE",
        path="/api/articles/{slug}/comments/{id}",
        handler="comments.delete.handler",
        auth=Auth.REQUIRED,
        limit="comment_deletions",
        grants=(
            TableGrant(ARTICLES, ("GetItem",)),
            TableGrant(COMMENTS, ("TransactWriteItems", "DeleteItem", "GetItem")),
            TableGrant(LISTINGS, ("Query", "PutItem")),
        ),
    ),
    Route(
        name="ListTags",
        method="GET",
        path="/api/tags",
        handler="tags.list.handler",
        auth=Auth.NONE,
        grants=(TableGrant(LISTINGS, ("Query",), indexes=("byPopularity",)),),
    ),
    # Extension: the OpenAPI document, generated at synth time into the code asset; no grants.
    Route(
        name="GetOpenApiDocument",
        method="GET",
        path="/api/openapi.json",
        handler="apidoc.openapi.handler",
        auth=Auth.NONE,
    ),
)


@dataclass(frozen=True)
class StreamWorker:
    """A function fed by DynamoDB streams; its failed batches go to a dead-letter queue."""

    name: str
    handler: str
    sources: tuple[Table, ...]  # tables whose streams invoke it
    grants: tuple[Grant, ...] = ()
    memory_mb: int = 512
    # Long enough to fan an article out to many followers; batches retry, then dead-letter.
    timeout_seconds: int = 300
    batch_size: int = 100
    # Records are gathered this long before a batch starts: what they share (a list shard's
    # counter, an article's count) is written once per batch (docs/scaling.md).
    batching_window_seconds: int = 1
    max_retries: int = 5
    #: Environment variables (beyond tables and the pool) the stage sets for it.
    settings: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


WORKERS: tuple[StreamWorker, ...] = (
    StreamWorker(
        name="StreamWorker",
        handler="streams.worker.handler",
        sources=(ARTICLES, FOLLOWS, FAVORITES, USERS),
        settings=(CELEBRITY_FOLLOWERS_ENV_VAR,),
        grants=(
            # an account's deletion (conduit.users.deletion) removes their articles as
            # `DeleteArticle` does, follows as unfollows do, and clears what names them
            TableGrant(
                ARTICLES, ("GetItem", "UpdateItem", "BatchGetItem", "TransactWriteItems", "DeleteItem")
            ),
            TableGrant(
                FOLLOWS,
                ("Query", "UpdateItem", "TransactWriteItems", "DeleteItem"),
                indexes=("byFanout", "byFollowee"),
            ),
            TableGrant(
                LISTINGS,
                (
                    "Query",
                    "GetItem",
                    "BatchGetItem",
                    "TransactWriteItems",
                    "PutItem",
                    "UpdateItem",
                    "DeleteItem",
                    "BatchWriteItem",
                ),
                indexes=("byOwner", "byAbout"),
            ),
            TableGrant(
                FAVORITES,
                ("Query", "BatchGetItem", "TransactWriteItems", "UpdateItem", "DeleteItem", "BatchWriteItem"),
                indexes=("byArticle",),
            ),
            TableGrant(COMMENTS, ("Query", "BatchWriteItem", "UpdateItem"), indexes=("byAuthor",)),
            # the deletion's record; the revocation of the account's tokens, and its time to live
            TableGrant(USERS, ("GetItem", "PutItem", "UpdateItem", "DeleteItem")),
            TableGrant(IDEMPOTENCY, ("Query", "BatchWriteItem"), indexes=("byOwner", "byAbout")),
            UserPoolGrant(USER_POOL, ("AdminDeleteUser",)),
        ),
    ),
)

ROUTES_BY_NAME: dict[str, Route] = {r.name: r for r in ROUTES}

#: Not a route: the deploy-time custom resource that reads the user pool's signing keys into
#: the environment of every function that verifies tokens (infra/components/runtime.py).
SIGNING_KEYS_HANDLER = "deploy.signing_keys.handler"


def tables_used(declared: Route | StreamWorker) -> tuple[Table, ...]:
    """The tables a function is granted, in grant order (and a worker's source tables, whose
    names tell it which stream a record comes from): only theirs reach its environment."""
    granted = [g.table for g in declared.grants if isinstance(g, TableGrant)]
    sources = list(declared.sources) if isinstance(declared, StreamWorker) else []
    return tuple(dict.fromkeys([*granted, *sources]))


def verifies_tokens(declared: Route | StreamWorker) -> bool:
    """Whether a function checks tokens: it is given the pool's signing keys (conduit.auth)."""
    return isinstance(declared, Route) and declared.auth is not Auth.NONE


def uses_user_pool(declared: Route | StreamWorker) -> bool:
    """Whether a function needs the pool's ids: to verify tokens, or to call Cognito."""
    return verifies_tokens(declared) or any(isinstance(g, UserPoolGrant) for g in declared.grants)
