"""Who a request's answer names besides its caller (the author of the article favorited, the
user followed): an answer kept for an `Idempotency-Key` carries their id too, so deleting their
account finds it (`conduit.api.idempotency`, `conduit.users.deletion`).

A context variable: the use case that builds the answer says whom it names; the idempotency
layer, when it keeps the answer, reads it. Nothing else does.
"""

from __future__ import annotations

import contextvars

_named: contextvars.ContextVar[str | None] = contextvars.ContextVar("mentioned", default=None)


def mention(user_id: str) -> None:
    """The answer being built names this user (their card or profile)."""
    _named.set(user_id)


def mentioned() -> str | None:
    """The user the answer being built names besides its caller, if any."""
    return _named.get()


def start() -> contextvars.Token[str | None]:
    """A request begins: it names nobody yet (`finish` with what this returns)."""
    return _named.set(None)


def finish(token: contextvars.Token[str | None]) -> None:
    _named.reset(token)
