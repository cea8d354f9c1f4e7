"""No way around the edge: on a stage with a CloudFront distribution, a request that did not
come through it is refused.

The HTTP API's own URL (`https://<id>.execute-api.<region>.amazonaws.com`) stays public: API
Gateway cannot refuse a caller by where it comes from. So CloudFront adds a header to every
request it forwards to the API, `ORIGIN_HEADER`, whose value is a random secret made at deploy
(Secrets Manager) and known only to the distribution and the functions' environment; the
response adapter (`conduit.api.app`) checks it before anything else, in this one place. A
direct call, without the WAF's rules, the cache and the edge's rate limits, gets a 403 and
costs one short invocation: no token is read, no AWS call is made.

On a stage without the edge, and in the local stack, there is no secret and nothing is checked
(docs/architecture.md, "No way around the edge").
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from conduit import settings
from conduit.errors import Forbidden

#: The header CloudFront sends the secret in (API Gateway hands functions lowercase names).
ORIGIN_HEADER = "X-Origin-Verify"


def refused() -> Forbidden:
    """The answer to a request that went around the edge."""
    return Forbidden({"request": ["must be sent to the API's public address"]})


def require_edge(headers: Mapping[str, str]) -> None:
    """Raise `Forbidden` unless the request carries the stage's origin secret (when it has one).
    `headers` are the event's, lowercase."""
    secret = settings.origin_secret()
    if secret is None:
        return
    sent = headers.get(ORIGIN_HEADER.lower(), "")
    # In constant time: the time a wrong guess takes says nothing about the secret.
    if not hmac.compare_digest(sent.encode(), secret.encode()):
        raise refused()
