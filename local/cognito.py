"""Cognito's codes, which moto lacks: generated, delivered to an outbox, checked and expired.

moto accepts any confirmation code for a password reset, has no email verification code at all
(GetUserAttributeVerificationCode and VerifyUserAttribute are missing), and changes an email at
once even when the pool keeps the original value until the new one is verified. So the local
stack would pass flows AWS refuses. This model answers those operations as Cognito does,
working on moto's users in place (the emulator serves one request at a time, so nothing else
touches them meanwhile):
- GetUserAttributeVerificationCode: a 6-digit code for the email (the pending new one, if an
  update is waiting for it), valid 24 hours; a new code replaces the previous one.
- VerifyUserAttribute: the code checked (CodeMismatchException, ExpiredCodeException, and
  LimitExceededException once `MAX_FAILED` wrong codes were tried); then `email_verified`, and
  a pending email becomes the email (AliasExistsException if another user holds it by then).
- ForgotPassword: a 6-digit code valid 1 hour, sent only to a verified email; a user without one
  gets InvalidParameterException, and an unknown user, with the app client's
  PreventUserExistenceErrors, the answer a known one gets.
- ConfirmForgotPassword: the code checked as above (TooManyFailedAttemptsException past the
  limit) and the password against the pool's policy; an unknown user gets CodeMismatchException.
- AdminUpdateUserAttributes of `email` in a pool that keeps the original value until the new one
  is verified (UserAttributeUpdateSettings): the email stays, the new value waits, and a code is
  sent to it; `email_verified: true` in the same call applies it at once, as Cognito does.

Every message Cognito would send lands in `outbox` (and goes to `on_message`, which `make dev`
prints). The clock is `time.time()` plus `offset`, which tests move (`advance`) to see codes
expire without waiting.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

#: How long a code is valid, by kind: Cognito's figures.
VERIFY_SECONDS = 24 * 60 * 60
RESET_SECONDS = 60 * 60
#: Wrong codes tried before a code is refused whatever is sent.
MAX_FAILED = 5
VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"

_INVALID_CODE = "Invalid verification code provided, please try again."
_EXPIRED_CODE = "Invalid code provided, please request a code again."


@dataclass(frozen=True)
class Message:
    """One message Cognito would send: to whom, what for, the code, and when (ISO 8601, UTC)."""

    to: str
    kind: str
    code: str
    at: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class _Code:
    code: str
    destination: str
    expires: float
    failed: int = 0


class CognitoError(Exception):
    """An error answer, as Cognito sends it: HTTP 400 and the exception's name as `__type`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


Answer = tuple[int, dict[str, Any]]


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _delivery(destination: str) -> dict[str, Any]:
    return {
        "CodeDeliveryDetails": {
            "Destination": _mask(destination),
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        }
    }


class CognitoCodes:
    """The codes of every user pool of the in-process moto, and the messages that carried them."""

    def __init__(self, on_message: Callable[[Message], None] | None = None) -> None:
        self.on_message = on_message
        #: Seconds added to the real clock: `advance` moves it.
        self.offset = 0.0
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        # (pool id, user sub, kind) -> the code in force
        self._codes: dict[tuple[str, str, str], _Code] = {}
        # (pool id, user sub) -> the email waiting for verification
        self._pending: dict[tuple[str, str], str] = {}
        # (pool id, a former email) -> the user's sub: moto files each access token under the
        # email it signed in with, and Cognito's tokens outlive an email change
        self._former: dict[tuple[str, str], str] = {}
        self._handlers: dict[str, Callable[[dict[str, Any]], Answer | None]] = {
            "GetUserAttributeVerificationCode": self._get_verification_code,
            "VerifyUserAttribute": self._verify_attribute,
            "ForgotPassword": self._forgot_password,
            "ConfirmForgotPassword": self._confirm_forgot_password,
            "AdminUpdateUserAttributes": self._admin_update_attributes,
            "AdminDeleteUser": self._admin_delete_user,
        }

    # --- what tests and the dev server use -------------------------------------------------

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the model's clock forward (codes expire by it)."""
        self.offset += seconds

    @property
    def outbox(self) -> list[Message]:
        """Every message sent since the last reset, oldest first."""
        with self._lock:
            return list(self._messages)

    def reset(self) -> None:
        """Forget every code, pending email and message, and put the clock back."""
        with self._lock:
            self._messages.clear()
        self._codes.clear()
        self._pending.clear()
        self._former.clear()
        self.offset = 0.0

    def pending_email(self, pool_id: str, sub: str) -> str | None:
        """The email a user's update is waiting to have verified, if any."""
        return self._pending.get((pool_id, sub))

    # --- the operations ---------------------------------------------------------------------

    def answer(self, operation: str, request: bytes) -> Answer | None:
        """Cognito's answer to a call this model handles; None leaves the call to moto."""
        handler = self._handlers.get(operation)
        if handler is None:
            return None
        try:
            return handler(json.loads(request or b"{}"))
        except CognitoError as error:
            return 400, {"__type": error.error_type, "message": error.message}

    def _get_verification_code(self, params: dict[str, Any]) -> Answer:
        pool, user = self._by_token(params.get("AccessToken", ""))
        self._only_email(params)
        destination = self._pending.get((pool.id, user.id)) or user.attribute_lookup.get("email")
        if not destination:
            raise CognitoError("InvalidParameterException", "The user has no email to verify.")
        self._issue(pool.id, user.id, VERIFY_EMAIL, destination, VERIFY_SECONDS)
        return 200, _delivery(destination)

    def _verify_attribute(self, params: dict[str, Any]) -> Answer:
        pool, user = self._by_token(params.get("AccessToken", ""))
        self._only_email(params)
        entry = self._check(
            pool.id, user.id, VERIFY_EMAIL, str(params.get("Code", "")), "LimitExceededException"
        )
        current = user.attribute_lookup.get("email")
        if entry.destination != current:
            if self._holder(pool, entry.destination, besides=user) is not None:
                raise CognitoError("AliasExistsException", "An account with the given email already exists.")
            if current:
                self._former[(pool.id, current)] = user.id
            user.update_attributes([{"Name": "email", "Value": entry.destination}])
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])
        self._pending.pop((pool.id, user.id), None)
        return 200, {}

    def _forgot_password(self, params: dict[str, Any]) -> Answer:
        pool, client = self._by_client(params.get("ClientId", ""))
        username = str(params.get("Username", ""))
        user = pool._get_user(username)
        if user is None:
            if client.extended_config.get("PreventUserExistenceErrors") == "ENABLED":
                return 200, _delivery(username if "@" in username else f"{username}@example.com")
            raise CognitoError("UserNotFoundException", "Username/client id combination not found.")
        email = user.attribute_lookup.get("email")
        if not email or user.attribute_lookup.get("email_verified") != "true":
            raise CognitoError(
                "InvalidParameterException",
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            )
        self._issue(pool.id, user.id, RESET_PASSWORD, email, RESET_SECONDS)
        return 200, _delivery(email)

    def _confirm_forgot_password(self, params: dict[str, Any]) -> Answer:
        from moto.cognitoidp.models import UserStatus

        pool, client = self._by_client(params.get("ClientId", ""))
        user = pool._get_user(str(params.get("Username", "")))
        if user is None:
            if client.extended_config.get("PreventUserExistenceErrors") == "ENABLED":
                raise CognitoError("CodeMismatchException", _INVALID_CODE)
            raise CognitoError("UserNotFoundException", "Username/client id combination not found.")
        password = str(params.get("Password", ""))
        try:
            pool.backend._validate_password(pool.id, password)
        except Exception as refused:  # moto's InvalidPasswordException
            raise CognitoError(
                "InvalidPasswordException", str(refused) or "Password does not conform to policy"
            ) from None
        code = str(params.get("ConfirmationCode", ""))
        self._check(pool.id, user.id, RESET_PASSWORD, code, "TooManyFailedAttemptsException")
        user.password = password
        user.status = UserStatus.CONFIRMED
        return 200, {}

    def _admin_update_attributes(self, params: dict[str, Any]) -> Answer | None:
        pool = self._pool(str(params.get("UserPoolId", "")))
        if pool is None:
            return None  # moto answers ResourceNotFoundException
        user = pool._get_user(str(params.get("Username", "")))
        if user is None:
            return None  # moto answers UserNotFoundException
        attributes = {a["Name"]: a["Value"] for a in params.get("UserAttributes", [])}
        email = attributes.get("email")
        if email is None:
            return None
        if attributes.get("email_verified") == "true" or not self._keeps_original_email(pool):
            self._pending.pop((pool.id, user.id), None)
            self._codes.pop((pool.id, user.id, VERIFY_EMAIL), None)
            return None  # moto applies it at once
        if email == user.attribute_lookup.get("email"):
            self._pending.pop((pool.id, user.id), None)
            rest = [{"Name": k, "Value": v} for k, v in attributes.items() if k != "email"]
            if rest:
                user.update_attributes(rest)
            return 200, {}
        if self._holder(pool, email, besides=user) is not None:
            raise CognitoError("AliasExistsException", "An account with the given email already exists.")
        self._pending[(pool.id, user.id)] = email
        rest = [
            {"Name": k, "Value": v} for k, v in attributes.items() if k not in ("email", "email_verified")
        ]
        if rest:
            user.update_attributes(rest)
        self._issue(pool.id, user.id, VERIFY_EMAIL, email, VERIFY_SECONDS)
        return 200, {}

    def _admin_delete_user(self, params: dict[str, Any]) -> None:
        pool = self._pool(str(params.get("UserPoolId", "")))
        user = pool._get_user(str(params.get("Username", ""))) if pool is not None else None
        if pool is not None and user is not None:
            self._pending.pop((pool.id, user.id), None)
            for kind in (VERIFY_EMAIL, RESET_PASSWORD):
                self._codes.pop((pool.id, user.id, kind), None)
        # moto deletes the user

    # --- codes ------------------------------------------------------------------------------

    def _issue(self, pool_id: str, sub: str, kind: str, destination: str, seconds: int) -> None:
        code = f"{secrets.randbelow(10**6):06d}"
        now = self.now()
        self._codes[(pool_id, sub, kind)] = _Code(code, destination, now + seconds)
        sent = datetime.fromtimestamp(now, UTC)
        message = Message(
            destination, kind, code, sent.strftime("%Y-%m-%dT%H:%M:%S.") + f"{sent.microsecond // 1000:03d}Z"
        )
        with self._lock:
            self._messages.append(message)
        if self.on_message is not None:
            self.on_message(message)

    def _check(self, pool_id: str, sub: str, kind: str, sent: str, too_many: str) -> _Code:
        """The code in force if `sent` is it, which is then used up; else the refusal."""
        key = (pool_id, sub, kind)
        entry = self._codes.get(key)
        if entry is None:
            raise CognitoError("CodeMismatchException", _INVALID_CODE)
        if entry.failed >= MAX_FAILED:
            raise CognitoError(too_many, "Attempt limit exceeded, please try after some time.")
        if self.now() > entry.expires:
            del self._codes[key]
            raise CognitoError("ExpiredCodeException", _EXPIRED_CODE)
        if not secrets.compare_digest(entry.code, sent):
            entry.failed += 1
            raise CognitoError("CodeMismatchException", _INVALID_CODE)
        del self._codes[key]
        return entry

    # --- moto's users -----------------------------------------------------------------------

    @staticmethod
    def _pools() -> Iterator[Any]:
        from moto.cognitoidp.models import cognitoidp_backends

        for regions in list(cognitoidp_backends.values()):
            for region, backend in list(regions.items()):
                if region != "global":
                    yield from list(backend.user_pools.values())

    def _pool(self, pool_id: str) -> Any:
        return next((p for p in self._pools() if p.id == pool_id), None)

    def _by_token(self, token: str) -> tuple[Any, Any]:
        for pool in self._pools():
            if token in pool.access_tokens:
                _, username = pool.access_tokens[token]
                user = pool._get_user(username)
                if user is None and (pool.id, username) in self._former:
                    sub = self._former[(pool.id, username)]
                    user = next((u for u in pool.users.values() if u.id == sub), None)
                if user is not None:
                    return pool, user
        raise CognitoError("NotAuthorizedException", "Invalid Access Token")

    def _by_client(self, client_id: str) -> tuple[Any, Any]:
        for pool in self._pools():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]
        raise CognitoError("ResourceNotFoundException", "Username/client id combination not found.")

    @staticmethod
    def _only_email(params: dict[str, Any]) -> None:
        if params.get("AttributeName") != "email":
            raise CognitoError("InvalidParameterException", "Only email is verified in this pool.")

    @staticmethod
    def _keeps_original_email(pool: Any) -> bool:
        settings = pool.extended_config.get("UserAttributeUpdateSettings") or {}
        return "email" in (settings.get("AttributesRequireVerificationBeforeUpdate") or [])

    @staticmethod
    def _holder(pool: Any, email: str, besides: Any) -> Any:
        """Another user whose email (Cognito's username attribute here) is `email`."""
        wanted = email.lower()
        for other in pool.users.values():
            if other is not besides and str(other.attribute_lookup.get("email", "")).lower() == wanted:
                return other
        return None
