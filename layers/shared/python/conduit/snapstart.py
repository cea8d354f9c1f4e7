"""Lambda SnapStart: the work a function does before its snapshot is taken (on in `prod`, see
infra/config.py).

With SnapStart, init runs once, when a version is published, and each cold start restores the
snapshot taken after it. What init leaves to the first request (bench/coldstart.py lists it) would
then be paid again by the first request of every restored environment; the hook registered here
does it before the snapshot instead: the DynamoDB client (and Cognito's, for the routes that call
it) and the shipped signing keys. The request models need nothing: the views that parse a body
import them at init, so they are in the snapshot already. It makes no AWS call: a connection
opened now would be stale after a restore.

`snapshot_restore_py` comes with Lambda's Python runtimes (3.12 and later) and exists nowhere
else: without it (locally, in the tests and the bench) nothing is registered.
"""

from __future__ import annotations

from conduit.routes import Route, UserPoolGrant, verifies_tokens


def prepare(route: Route) -> bool:
    """Register `warm` to run before the snapshot and `reseed` after each restore, where
    Lambda's runtime offers it."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(warm, route)
    register_after_restore(reseed)
    return True


def reseed() -> None:
    """Every environment restored from one snapshot starts with the same `random` state, so
    botocore's retry jitter would send their retries in step, against the point of jitter:
    AWS's guidance for SnapStart is to reseed after a restore (ids come from os.urandom)."""
    import random

    random.seed()


def warm(route: Route) -> None:
    """Do now what the route's first request would otherwise do, short of calling AWS."""
    from conduit import auth, storage

    storage.connection()  # creates the one DynamoDB client every model shares
    if any(isinstance(grant, UserPoolGrant) for grant in route.grants):
        from conduit.users import identity

        identity._client()  # the Cognito client, made once per container like the DynamoDB one
    if verifies_tokens(route):
        auth.load_shipped_keys()
