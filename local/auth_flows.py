"""The app client's allowed sign-in flows, which moto ignores: Cognito refuses the others.

moto signs a user in with any flow its operation knows, whatever the app client's
`ExplicitAuthFlows` say. Cognito refuses a flow the client does not enable with
`InvalidParameterException: <FLOW> flow not enabled for this client`, before it looks at the
user or the password. Without this, the local stack would accept a direct `InitiateAuth` with a
password (USER_PASSWORD_AUTH), which the deployed client refuses: only the API, with
ADMIN_USER_PASSWORD_AUTH, signs users in (infra/components/identity.py).

`refusal(operation, request)` is the error the emulator answers (HTTP 400) instead of moto for an
InitiateAuth or AdminInitiateAuth the client does not allow, or None to let moto answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

#: The operations that start a sign-in.
SIGN_IN_OPERATIONS = frozenset({"InitiateAuth", "AdminInitiateAuth"})

#: The `ExplicitAuthFlows` values that enable a flow: the `ALLOW_` one, and the legacy name
#: Cognito still accepts for a few.
ENABLED_BY: dict[str, frozenset[str]] = {
    "USER_PASSWORD_AUTH": frozenset({"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"}),
    "ADMIN_USER_PASSWORD_AUTH": frozenset({"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"}),
    "ADMIN_NO_SRP_AUTH": frozenset({"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"}),
    "USER_SRP_AUTH": frozenset({"ALLOW_USER_SRP_AUTH"}),
    "REFRESH_TOKEN_AUTH": frozenset({"ALLOW_REFRESH_TOKEN_AUTH"}),
    "REFRESH_TOKEN": frozenset({"ALLOW_REFRESH_TOKEN_AUTH"}),
    "CUSTOM_AUTH": frozenset({"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"}),
    "USER_AUTH": frozenset({"ALLOW_USER_AUTH"}),
}
#: What a client created without `ExplicitAuthFlows` allows (Cognito's default).
DEFAULT_FLOWS = frozenset({"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"})

#: Cognito's error type and message.
Refusal = tuple[str, str]


def _clients(client_id: str) -> Iterator[Any]:
    from moto.cognitoidp.models import cognitoidp_backends

    for regions in list(cognitoidp_backends.values()):
        for region, backend in list(regions.items()):
            if region == "global":
                continue
            for pool in list(backend.user_pools.values()):
                client = pool.clients.get(client_id)
                if client is not None:
                    yield client


def allowed_flows(client: Any) -> frozenset[str]:
    """The client's `ExplicitAuthFlows`, or Cognito's default when it was created without."""
    flows = client.extended_config.get("ExplicitAuthFlows")
    return frozenset(flows) if flows else DEFAULT_FLOWS


def refusal(operation: str, request: bytes) -> Refusal | None:
    """Cognito's refusal of a sign-in whose flow the app client does not enable; None when it
    does, when the client is unknown, or when the flow is not one moto checks (moto answers)."""
    if operation not in SIGN_IN_OPERATIONS:
        return None
    params = json.loads(request or b"{}")
    flow = str(params.get("AuthFlow", ""))
    enabling = ENABLED_BY.get(flow)
    client = next(_clients(str(params.get("ClientId", ""))), None)
    if enabling is None or client is None:
        return None
    if enabling & allowed_flows(client):
        return None
    return "InvalidParameterException", f"{flow} flow not enabled for this client"
