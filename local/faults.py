"""Production weather for the local stack: a seeded share of data-plane calls fail as they do on AWS.

Only the emulator uses this (`local.emulator.Emulator.start_weather`); production code never
sees it, it only sees the answers. Each failed call fails one of the ways DynamoDB and Cognito
fail in production, with the HTTP status and `__type` they answer with:
- throttling (DynamoDB ProvisionedThroughputExceeded, ThrottlingException, RequestLimitExceeded;
  Cognito TooManyRequests, LimitExceeded), refused before anything is applied;
- a server error (500) or an unavailable service (503), refused before anything is applied;
- a transaction cancelled for a TransactionConflict (TransactWriteItems only);
- a reply lost after the call was applied: the change is made, then the caller gets a 500, or
  no answer at all (the connection is closed), and the SDK sends the call again.

Control-plane calls (CreateTable, DescribeTable, CreateUserPool...) and the stream polling of
the local pump never fail: the weather is about what the functions call.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

DYNAMODB = "DynamoDB_20120810"
COGNITO = "AWSCognitoIdentityProviderService"

#: The DynamoDB operations that read or write items.
DYNAMODB_DATA_PLANE = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
#: The Cognito operations on users and their sessions (not on pools and clients).
COGNITO_USER_CALLS = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetUser",
        "ListUsers",
        # codes: email verification and password reset
        "GetUserAttributeVerificationCode",
        "VerifyUserAttribute",
        "ForgotPassword",
        "ConfirmForgotPassword",
    }
)


class Kind(StrEnum):
    THROTTLED = "throttled"
    SERVER_ERROR = "server error"
    UNAVAILABLE = "unavailable"
    CONFLICT = "transaction conflict"
    LOST_REPLY = "reply lost after the write"
    DROPPED = "connection dropped after the write"


@dataclass(frozen=True)
class Fault:
    """One failed call: what is answered, and whether the call is applied first."""

    kind: Kind
    status: int = 500
    error_type: str = ""
    message: str = ""
    cancellation_reasons: tuple[str, ...] = ()

    @property
    def applied(self) -> bool:
        """The call goes through before its answer is lost."""
        return self.kind in (Kind.LOST_REPLY, Kind.DROPPED)

    @property
    def drops_connection(self) -> bool:
        return self.kind is Kind.DROPPED

    def body(self) -> bytes:
        document: dict[str, object] = {"__type": self.error_type, "message": self.message}
        if self.cancellation_reasons:
            document["CancellationReasons"] = [{"Code": code} for code in self.cancellation_reasons]
        return json.dumps(document).encode()


_DDB = "com.amazonaws.dynamodb.v20120810#"
_CORAL = "com.amazon.coral.availability#"
_DYNAMODB_THROTTLES = (
    (_DDB + "ProvisionedThroughputExceededException", "The provisioned throughput was exceeded."),
    (_CORAL + "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    (_DDB + "RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account."),
)
_COGNITO_THROTTLES = (
    ("TooManyRequestsException", "Too many requests."),
    ("LimitExceededException", "Attempt limit exceeded, please try after some time."),
)


def is_data_plane(service: str, operation: str) -> bool:
    if service == DYNAMODB:
        return operation in DYNAMODB_DATA_PLANE
    if service == COGNITO:
        return operation.startswith("Admin") or operation in COGNITO_USER_CALLS
    return False


@dataclass
class Weather:
    """Fails `rate` of the data-plane calls, each with one kind chosen at random, from `seed`."""

    rate: float
    seed: int = 0
    injected: Counter[Kind] = field(default_factory=Counter)
    _random: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError(f"a fault rate is a share of calls, 0 to 1: {self.rate}")
        self._random = random.Random(self.seed)

    def fault_for(self, service: str, operation: str, request: bytes) -> Fault | None:
        """The fault this call meets, if any."""
        if not is_data_plane(service, operation):
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            fault = self._choose(service, operation, request)
            self.injected[fault.kind] += 1
            return fault

    def _choose(self, service: str, operation: str, request: bytes) -> Fault:
        # A third of the faults a transaction meets are conflicts with other transactions, the
        # failure only transactions have; the rest are those of every call.
        if operation == "TransactWriteItems" and self._random.random() < 1 / 3:
            return fault(Kind.CONFLICT, service, request, self._random)
        kinds = [Kind.THROTTLED, Kind.SERVER_ERROR, Kind.UNAVAILABLE, Kind.LOST_REPLY, Kind.DROPPED]
        return fault(self._random.choice(kinds), service, request, self._random)


def fault(kind: Kind, service: str, request: bytes, rng: random.Random | None = None) -> Fault:
    """The answer of one fault of `kind` to a call of `service` with body `request`."""
    rng = rng or random.Random(0)
    dynamodb = service == DYNAMODB
    if kind is Kind.THROTTLED:
        error_type, message = rng.choice(_DYNAMODB_THROTTLES if dynamodb else _COGNITO_THROTTLES)
        return Fault(kind, 400, error_type, message)
    if kind is Kind.UNAVAILABLE:
        return Fault(kind, 503, _CORAL + "ServiceUnavailableException", "Service unavailable.")
    if kind is Kind.CONFLICT:
        items = len(json.loads(request or b"{}").get("TransactItems", [])) or 1
        reasons = ["None"] * items
        reasons[rng.randrange(items)] = "TransactionConflict"
        message = f"Transaction cancelled, please refer cancellation reasons [{', '.join(reasons)}]"
        return Fault(kind, 400, _DDB + "TransactionCanceledException", message, tuple(reasons))
    error_type = _DDB + "InternalServerError" if dynamodb else "InternalErrorException"
    return Fault(kind, 500, error_type, "Internal server error.")
