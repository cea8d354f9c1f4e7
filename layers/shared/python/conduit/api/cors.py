"""The CORS policy, declared once: API Gateway applies it deployed, the local gateway locally.

API Gateway answers preflight requests itself and sets these headers on every response to a
request that carries an `Origin`, ignoring any CORS headers a function might return.
"""

from __future__ import annotations

from dataclasses import dataclass

from conduit.routes import ROUTES


@dataclass(frozen=True)
class CorsPolicy:
    allow_origins: tuple[str, ...]
    allow_headers: tuple[str, ...]
    allow_methods: tuple[str, ...]
    max_age_seconds: int


CORS = CorsPolicy(
    # Any RealWorld frontend, served from anywhere, may call the API; tokens travel in a
    # header, not cookies, so no credentials mode is needed.
    allow_origins=("*",),
    # Idempotency-Key: browsers may send it with a POST (docs/api.md).
    allow_headers=("Authorization", "Content-Type", "Idempotency-Key"),
    allow_methods=tuple(sorted({r.method for r in ROUTES} | {"OPTIONS"})),
    max_age_seconds=24 * 60 * 60,
)
