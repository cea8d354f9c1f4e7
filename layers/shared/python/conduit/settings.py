"""Typed settings, read from the environment once per container.

Only what a function was given is required: a function without the follows table in its
environment never asks for it, so each function's environment stays as small as its grants.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from conduit.errors import ConfigurationError
from conduit.resources import (
    CELEBRITY_FOLLOWERS_ENV_VAR,
    DEFAULT_CELEBRITY_FOLLOWERS,
    DEFAULT_DELETION_PAGE,
    DEFAULT_REGION,
    DELETION_PAGE_ENV_VAR,
    JWKS_URL_ENV_VAR,
    ORIGIN_SECRET_ENV_VAR,
    USER_POOL,
    Table,
)


@dataclass(frozen=True)
class UserPoolSettings:
    region: str
    pool_id: str
    client_id: str
    jwks_url_override: str | None
    #: The pool's signing keys as the deploy resolved them (conduit.auth.shippable_key_set).
    shipped_keys: str | None = None

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return self.jwks_url_override or f"{self.issuer}/.well-known/jwks.json"


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


@cache
def table_name(table: Table) -> str:
    return _required(table.env_var)


@cache
def user_pool() -> UserPoolSettings:
    return UserPoolSettings(
        region=region(),
        pool_id=_required(USER_POOL.pool_id_env_var),
        client_id=_required(USER_POOL.client_id_env_var),
        jwks_url_override=os.environ.get(JWKS_URL_ENV_VAR) or None,
        shipped_keys=os.environ.get(USER_POOL.keys_env_var) or None,
    )


@cache
def celebrity_followers() -> int:
    """Followers from which an author's articles are pulled into feeds, not pushed."""
    raw = os.environ.get(CELEBRITY_FOLLOWERS_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_CELEBRITY_FOLLOWERS
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{CELEBRITY_FOLLOWERS_ENV_VAR} must be a whole number of at least 1")
    return int(raw)


@cache
def deletion_page_size() -> int:
    """Items an account deletion handles per step (conduit.users.deletion)."""
    raw = os.environ.get(DELETION_PAGE_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_DELETION_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= DEFAULT_DELETION_PAGE:
        raise ConfigurationError(
            f"{DELETION_PAGE_ENV_VAR} must be a whole number from 1 to {DEFAULT_DELETION_PAGE}"
        )
    return int(raw)


@cache
def origin_secret() -> str | None:
    """The secret a request must carry to show it came through the stage's CloudFront
    distribution (`conduit.origin`); None on a stage without one."""
    return os.environ.get(ORIGIN_SECRET_ENV_VAR, "").strip() or None


def reset() -> None:
    """Forget what was read, for tests that re-provision the emulator between cases."""
    deletion_page_size.cache_clear()
    table_name.cache_clear()
    user_pool.cache_clear()
    celebrity_followers.cache_clear()
    origin_secret.cache_clear()
