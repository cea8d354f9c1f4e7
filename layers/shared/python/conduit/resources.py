"""The AWS resources Conduit runs on, declared once.

The CDK app, the local emulator provisioning and the tests all build tables, indexes and the
user pool from these declarations, and the functions find them through the environment
variables named here. Nothing else spells a table name, key, index or variable.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from enum import StrEnum

APP_NAME = "conduit"
#: Region used when nothing else says otherwise (local emulator, tests).
DEFAULT_REGION = "us-east-1"


class KeyType(StrEnum):
    STRING = "S"
    NUMBER = "N"


@dataclass(frozen=True)
class Key:
    name: str
    type: KeyType = KeyType.STRING


@dataclass(frozen=True)
class Index:
    """A global secondary index; `projection` None means ALL attributes."""

    name: str
    partition_key: Key
    sort_key: Key | None = None
    projection: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Table:
    key: str  # short logical name, part of the physical name and of the CDK construct id
    env_var: str  # environment variable that carries the physical name to functions
    partition_key: Key
    sort_key: Key | None = None
    indexes: tuple[Index, ...] = ()
    stream: bool = False
    #: An epoch-seconds attribute after which DynamoDB deletes the item (time to live).
    ttl_attribute: str | None = None

    def physical_name(self, stage: str) -> str:
        return f"{APP_NAME}-{stage}-{self.key}"

    def index(self, name: str) -> Index:
        return next(i for i in self.indexes if i.name == name)


#: Profiles (`USER#<sub>`) and the uniqueness claims on usernames and emails
#: (`USERNAME#<lower>`, `EMAIL#<lower>`), so one transaction can write a profile with its claims.
#: Its stream carries profile changes to the copies of the author's card (articles, comments),
#: and drives an account's deletion (`DELETION#<sub>`, conduit.users.deletion) step by step.
#: `expires` lets DynamoDB delete what must outlive a deleted account only for a while (the
#: revocation of its tokens, until the last of them has expired).
USERS = Table(
    key="users", env_var="USERS_TABLE", partition_key=Key("pk"), stream=True, ttl_attribute="expires"
)

#: One item per follow edge. The table answers "does A follow B" with one GetItem and
#: "whom does A follow" with one Query. An edge whose follower gets the followee's articles
#: pushed into their feed carries `fanout` (the followee): the sparse `byFanout` index lists
#: exactly the feeds a new article goes to. Its stream drives back-fill, withdrawal and the
#: celebrity hybrid (docs/scaling.md).
FOLLOWS = Table(
    key="follows",
    env_var="FOLLOWS_TABLE",
    partition_key=Key("followerId"),
    sort_key=Key("followeeId"),
    indexes=(
        Index("byFanout", Key("fanout"), Key("followerId"), projection=()),
        # Every follower of a user, pushed or pulling, for deleting their account: keyed by
        # `followee` = `<followeeId>#<crc32(follower) mod FOLLOWEE_INDEX_SHARDS>`, so a
        # celebrity's new follows spread over several index partitions.
        Index("byFollowee", Key("followee"), Key("followerId"), projection=()),
    ),
    stream=True,
)

#: Articles (`ARTICLE#<id>`), their bodies (`BODY#<id>`, apart so list pages never read
#: them) and the uniqueness claims on their slugs (`SLUG#<slug>`). Its stream drives fan-out
#: to feeds on create and clean-up of comments, favorites and feed entries on delete.
ARTICLES = Table(key="articles", env_var="ARTICLES_TABLE", partition_key=Key("pk"), stream=True)

#: Every way to list articles, materialised: one partition per list (`author#<id>`, the
#: site-wide `all@<shard>` and `tag#<tag>@<shard>`, author and tag, their combinations with
#: `fav#<user>`, and `feed#<user>`), entries sorted by `<createdAt>#<articleId>`, and one
#: counter item per list (sort key `~count`, after every entry) holding `total`. A tag's
#: popularity item (`tag#<tag>` / `~popularity`) carries `popularity`, which puts it in the
#: sparse `byPopularity` index under one of `POPULARITY_SHARDS` keys. `mine#<user>` holds the
#: user's own changes the stream worker has not carried everywhere yet (`conduit.listings.pending`),
#: each with a time to live in case the worker never gets to it.
LISTINGS = Table(
    key="listings",
    env_var="LISTINGS_TABLE",
    partition_key=Key("list"),
    sort_key=Key("sk"),
    indexes=(
        Index("byPopularity", Key("popularity"), Key("total", KeyType.NUMBER), projection=("tag",)),
        # The counters of a user's own lists (`author#<id>...`, `fav#<id>...`, `feed#<id>`) carry
        # `owner` = the user: the sparse `byOwner` index names every such list, for deleting
        # their account without a Scan ...
        Index("byOwner", Key("owner"), Key("list"), projection=()),
        # ... and a favorites list narrowed by an author (`fav#<user>#author#<id>...`) names that
        # author too: its counter carries `about` = the author, for deleting theirs.
        Index("byAbout", Key("about"), Key("list"), projection=()),
    ),
    ttl_attribute="expires",
)

#: One item per (user, article) favorite, and each article's `FAVORITE_COUNT_SHARDS` count
#: items (`COUNT#<articleId>` / `<shard>`). `byArticle` finds an article's favoriters for
#: clean-up; its key `<articleId>#<shard>` spreads one article's favorites over
#: `FAVORITER_INDEX_SHARDS` index partitions. Its stream keeps the counts and the filtered
#: favorites lists.
FAVORITES = Table(
    key="favorites",
    env_var="FAVORITES_TABLE",
    partition_key=Key("userId"),
    sort_key=Key("articleId"),
    indexes=(Index("byArticle", Key("favoriters"), Key("userId"), projection=()),),
    stream=True,
)

#: Comments of an article, by their integer id, in `COMMENT_SHARDS` partitions per article
#: (`<articleId>#<id mod shards>`); `byAuthor` finds a user's comments when their card changes.
COMMENTS = Table(
    key="comments",
    env_var="COMMENTS_TABLE",
    partition_key=Key("thread"),
    sort_key=Key("commentId", KeyType.NUMBER),
    indexes=(Index("byAuthor", Key("authorId"), Key("commentId", KeyType.NUMBER), projection=()),),
)

#: The first response to each POST sent with an `Idempotency-Key`, kept 24 hours (Powertools'
#: Idempotency utility: its default attribute names, `expiration` as the time to live).
IDEMPOTENCY = Table(
    key="idempotency",
    env_var="IDEMPOTENCY_TABLE",
    partition_key=Key("id"),
    # A record kept for a user carries `owner` (their id): their answers name them, so deleting
    # their account finds them (conduit.api.idempotency).
    indexes=(
        Index("byOwner", Key("owner"), projection=()),
        # ... and one whose answer names another user (the one followed, the author of the
        # article favorited) carries `about`, their id (conduit.mentions).
        Index("byAbout", Key("about"), projection=()),
    ),
    ttl_attribute="expiration",
)

TABLES: tuple[Table, ...] = (USERS, FOLLOWS, ARTICLES, LISTINGS, FAVORITES, COMMENTS, IDEMPOTENCY)


@dataclass(frozen=True)
class Sharding:
    """How hot keys are spread (docs/scaling.md). Changing a count moves items: a migration."""

    #: Partitions of each site-wide list (`all`, `tag#<tag>`): appends spread over them.
    lists: int = 4
    #: Partition keys of the `byPopularity` index: tag popularity writes spread over them.
    popularity: int = 4
    #: Count items per article that the worker adds favorites to.
    favorite_counts: int = 4
    #: `byArticle` index partitions per article: favorites of one article spread over them.
    favoriters: int = 8
    #: Comment partitions per article.
    comments: int = 4
    #: `byFollowee` index partitions per followed user: a celebrity's follows spread over them.
    followees: int = 8


SHARDING = Sharding()


def shard_of(value: str, shards: int) -> int:
    """A stable shard for `value` (the same in every process, unlike `hash`)."""
    return zlib.crc32(value.encode()) % shards


#: The celebrity threshold (followers), per stage: at or above it an author's articles are
#: merged into followers' feeds at read time instead of being pushed (docs/scaling.md).
CELEBRITY_FOLLOWERS_ENV_VAR = "CELEBRITY_FOLLOWERS"
DEFAULT_CELEBRITY_FOLLOWERS = 1000
#: Celebrities one reader's feed merges at read time; beyond them, articles are pushed.
PULLED_CELEBRITIES_MAX = 4

#: Items an account deletion handles per step (conduit.users.deletion); lowered in tests so a
#: small account takes many steps.
DELETION_PAGE_ENV_VAR = "DELETION_PAGE_SIZE"
DEFAULT_DELETION_PAGE = 100


@dataclass(frozen=True)
class PasswordPolicy:
    """RealWorld's example password is `jakejake`: length is the only rule."""

    min_length: int = 8
    # Cognito accepts up to 256, the emulator fewer than 99; 64 (NIST's floor for a maximum)
    # behaves the same on both.
    max_length: int = 64


@dataclass(frozen=True)
class UserPool:
    key: str = "users"
    pool_id_env_var: str = "USER_POOL_ID"
    client_id_env_var: str = "USER_POOL_CLIENT_ID"
    #: The pool's RS256 public keys, resolved at deploy time (conduit.auth verifies tokens with them).
    keys_env_var: str = "USER_POOL_JWKS"
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    # Frontends keep the RealWorld token for a whole visit; Cognito allows at most one day.
    access_token_validity_minutes: int = 24 * 60
    id_token_validity_minutes: int = 60
    refresh_token_validity_days: int = 30
    #: The app client's `ExplicitAuthFlows`: a password is accepted only by AdminInitiateAuth,
    #: which needs IAM, so only the API signs users in (its limits and logs apply); refresh
    #: tokens stay a public call. USER_PASSWORD_AUTH is not there: Cognito refuses a sign-in
    #: sent to it directly.
    client_auth_flows: tuple[str, ...] = ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    #: The one attribute the app client lets a user's own access token write (UpdateUserAttributes):
    #: a custom one that nothing reads. Cognito reads an absent or empty list of write attributes
    #: as "every standard attribute", which would let a token change its email around the API.
    client_writable_attribute: str = "unused"

    def physical_name(self, stage: str) -> str:
        return f"{APP_NAME}-{stage}-{self.key}"

    @property
    def client_write_attributes(self) -> list[str]:
        """The app client's `WriteAttributes`: no standard attribute, only `custom:unused`."""
        return [f"custom:{self.client_writable_attribute}"]

    def client_name(self, stage: str) -> str:
        return f"{APP_NAME}-{stage}-web"


USER_POOL = UserPool()

#: Environment variables shared by every function.
STAGE_ENV_VAR = "STAGE"
#: Optional override of where the user pool's public keys are fetched; the issuer stays the
#: real Cognito URL (moto serves the keys on its own endpoint but issues real-looking tokens).
JWKS_URL_ENV_VAR = "JWKS_URL"
#: On a stage with the edge, the secret CloudFront sends as `conduit.origin.ORIGIN_HEADER` with
#: every request it forwards (resolved at deploy from Secrets Manager): the API's functions
#: refuse a request without it. Absent (no edge, the local stack), nothing is checked.
ORIGIN_SECRET_ENV_VAR = "ORIGIN_SECRET"

#: Powertools settings every function gets; the log level can be overridden per stage.
SERVICE_NAME = APP_NAME
METRICS_NAMESPACE = "Conduit"
#: The metric of an undo that failed across Cognito and DynamoDB (an alarm watches it).
COMPENSATION_FAILED_METRIC = "CompensationFailed"


def powertools_env(stage: str, log_level: str = "INFO") -> dict[str, str]:
    return {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": log_level,
        STAGE_ENV_VAR: stage,
    }
