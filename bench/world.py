"""The bench's AWS world: an emulator with the dataset loaded, tokens, and a gateway client.

Settings are read the way the functions read them (environment), so this module sets the
environment before anything imports Powertools, then starts and provisions the emulator.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

BENCH_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "conduit",
    "POWERTOOLS_METRICS_NAMESPACE": "Conduit",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def use_bench_environment() -> None:
    os.environ.update(BENCH_ENV)
    for leaked in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(leaked, None)


def emulator_signing_key() -> Any:
    """moto's Cognito private key: tokens signed with it pass the API's verification."""
    import jwt
    from moto.utilities.utils import load_resource

    document = load_resource("cognitoidp/resources/jwks-private.json")
    return jwt.PyJWK(document["keys"][0] if "keys" in document else document).key


def forge_token(user_id: str, lifetime_seconds: int = 3600) -> str:
    """An access token for a seeded user (no Cognito identity needed to read as them)."""
    import jwt

    from conduit import settings

    pool = settings.user_pool()
    now = int(time.time())
    claims = {
        "iss": pool.issuer,
        "sub": user_id,
        "client_id": pool.client_id,
        "token_use": "access",
        "iat": now,
        "exp": now + lifetime_seconds,
    }
    return jwt.encode(claims, emulator_signing_key(), algorithm="RS256", headers={"kid": "dummy"})


@dataclass
class World:
    emulator: Any
    endpoint: str
    tables: dict[str, str]  # table key -> physical name
    load_rate: float = 0.0
    load_seconds: float = 0.0


def start_world(stage: str = "bench") -> World:
    from local.emulator import Emulator

    emulator = Emulator()
    endpoint = os.environ["AWS_ENDPOINT_URL"] = emulator.start()
    return reset_world(World(emulator, endpoint, {}), stage)


def reset_world(world: World, stage: str = "bench") -> World:
    """Empty, freshly provisioned tables and user pool; cached settings and keys forgotten."""
    from conduit import auth, limits, settings
    from conduit.resources import TABLES
    from conduit.users import identity
    from local.provision import provision

    if world.tables:
        world.emulator.reset()
    os.environ.update(provision(stage, jwks_base_url=world.endpoint))
    os.environ.update(limits.lifted())  # each limited request still pays its count (section 2)
    settings.reset()
    auth.reset()
    identity.reset()
    limits.reset()
    world.tables = {t.key: settings.table_name(t) for t in TABLES}
    return world
