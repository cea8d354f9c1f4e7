"""HTTP caching of answers: `ETag`/`If-None-Match` and `Cache-Control`, decided once here.

Anonymous reads that anyone may see (lists, articles, profiles, tags, comments: the `GET`
routes that do not require a token) are `public` for a few seconds, so a CDN (the CloudFront
distribution of stages with `cdn=true`) and browsers can answer repeats without a function
invocation. Anything asked with an `Authorization` header is `private, no-store`: it may
show the caller's own flags. Every `GET` answer carries a strong `ETag`, the hash of its body,
and a request whose `If-None-Match` names it gets `304 Not Modified` with no body.

Outside `conduit.api`, whose import pauses the garbage collector for a function's init: the
contract (contract/operations.py) and the CDK app (infra/components/edge.py) read it too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from conduit.routes import Auth, Route


@dataclass(frozen=True)
class CachePolicy:
    #: Browsers keep a public answer this long.
    max_age_seconds: int = 5
    #: Shared caches (the CDN) keep it this long.
    shared_max_age_seconds: int = 10


CACHE = CachePolicy()
#: The three answers' `Cache-Control` (contract/operations.py declares them from here).
PUBLIC = f"public, max-age={CACHE.max_age_seconds}, s-maxage={CACHE.shared_max_age_seconds}"
PRIVATE = "private, no-store"
UNCACHEABLE = "no-store"
#: Why an answer varies: a signed-in request is never served an anonymous copy.
VARY = "Authorization"


def cacheable(route: Route) -> bool:
    """Whether anonymous answers of this route are the same for everyone."""
    return route.method == "GET" and route.auth is not Auth.REQUIRED


def cache_control(route: Route, authorized: bool, status: int) -> str:
    if authorized:
        return PRIVATE
    if cacheable(route) and status == 200:
        return PUBLIC
    return UNCACHEABLE


#: What `etag` answers: a quoted 32-digit hex hash.
ETAG_PATTERN = '^"[0-9a-f]{32}"$'


def etag(body: str) -> str:
    """A strong validator of the exact body."""
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether `If-None-Match` names `tag` (or `*`); weak forms compare as their strong tag."""
    if not if_none_match:
        return False
    candidates = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in candidates or tag in candidates
