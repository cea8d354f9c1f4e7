"""Make moto's UpdateUserAttributes honour the app client's write attributes, as Cognito does.

A user's own access token (scope `aws.cognito.signin.user.admin`, which every token of a
sign-in without OAuth carries) may call UpdateUserAttributes. Cognito lets it write only the
attributes the token's app client lists in `WriteAttributes` (every standard attribute when the
list is absent or empty) and answers anything else with NotAuthorizedException "A client
attempted to write unauthorized attribute". moto writes whatever it is sent, so without this the
local stack would let a token change its email around the API (issue 17), where AWS refuses it.
Admin calls (AdminUpdateUserAttributes, which the functions use) are not limited by it.
"""

from __future__ import annotations

from typing import Any

_installed = False
UNAUTHORIZED_ATTRIBUTE = "A client attempted to write unauthorized attribute"


def writable(client_config: dict[str, Any], attribute: str) -> bool:
    """Whether an app client with this configuration lets a user's token write `attribute`."""
    listed = client_config.get("WriteAttributes") or []
    if listed:
        return attribute in listed
    return not attribute.startswith(("custom:", "dev:"))  # no list: the standard attributes


def install() -> None:
    """Patch moto's Cognito backend in this process (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.cognitoidp.exceptions import NotAuthorizedError
    from moto.cognitoidp.models import CognitoIdpBackend

    update_user_attributes = CognitoIdpBackend.update_user_attributes

    def update_as_the_client_allows(self: Any, access_token: str, attributes: list[dict[str, str]]) -> None:
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                client_id, _ = pool.access_tokens[access_token]
                client = pool.clients.get(client_id)
                config = client.extended_config if client is not None else {}
                if any(not writable(config, attribute["Name"]) for attribute in attributes):
                    raise NotAuthorizedError(UNAUTHORIZED_ATTRIBUTE)
                break
        update_user_attributes(self, access_token, attributes)

    CognitoIdpBackend.update_user_attributes = update_as_the_client_allows  # type: ignore[method-assign]
    _installed = True
