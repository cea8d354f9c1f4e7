"""`Idempotency-Key`: a POST sent again with the same key by the same caller gets its first answer.

Powertools' Idempotency utility, on its DynamoDB persistence, keeps the first successful answer
of each (route, caller, key) for 24 hours in `conduit.resources.IDEMPOTENCY`:
- a repeat with the same body is answered from there, status and body, and writes nothing;
- a repeat with another body is a 422;
- a repeat that arrives while the first still runs is a 409 with Retry-After;
- an answer that is not a success (a 4xx, a 503) is not kept: a repeat runs again, which is
  safe because a refused request wrote nothing and a failed one undid what it did or left only
  what a repeat reads as done (docs/architecture.md).

It writes through the one DynamoDB client of `conduit.storage`, so its calls retry within the
same budget. Only a POST that carries the header imports this module: Powertools' utility loads
boto3 (about 50 ms), which no function's init pays (tests/test_cold_start_imports.py).
"""

from __future__ import annotations

import base64
import contextvars
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyItemAlreadyExistsError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit import mentions, settings, storage
from conduit.errors import Conflict, ValidationFailed
from conduit.observability import logger
from conduit.resources import IDEMPOTENCY

if TYPE_CHECKING:
    from conduit.api.app import ApiRequest, HttpResponse, Replay

HEADER = "Idempotency-Key"
#: The answer to a key sent again with another request.
REUSED = "was already used with another request"
EXPIRY_SECONDS = 24 * 60 * 60
ANONYMOUS = "anonymous"


class _Persistence(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB layer, which knows its own in-progress record when it meets it.

    botocore sends the in-progress put again when its reply was lost; the repeat then fails its
    condition on the record the first attempt wrote, which Powertools would take for another
    request still running (a 409 for the request itself). A record with the same payload and
    the same expiries, to the millisecond, is that first attempt's."""

    def _put_record(self, data_record: DataRecord) -> None:
        try:
            super()._put_record(data_record)
        except IdempotencyItemAlreadyExistsError as exists:
            found = exists.old_data_record
            ours = (
                found is not None
                and found.status == STATUS_CONSTANTS["INPROGRESS"]
                and found.payload_hash == data_record.payload_hash
                and found.expiry_timestamp == data_record.expiry_timestamp
                and found.in_progress_expiry_timestamp == data_record.in_progress_expiry_timestamp
            )
            if not ours:
                raise


#: The user whose record this request writes: the caller, or the account a registration made.
_owner: contextvars.ContextVar[str | None] = contextvars.ContextVar("idempotency_owner", default=None)
#: The attributes naming a record's user and the user its answer names (the table's `byOwner`
#: and `byAbout` indexes).
OWNER = "owner"
ABOUT = "about"


class _Owned:
    """The DynamoDB client as Powertools' layer sees it: each record it writes names its user
    (`owner`), so deleting their account finds the answers kept for them, which name them, by
    the table's `byOwner` index rather than a Scan. Powertools builds its items itself and has no
    hook for another attribute; every other call goes to the client unchanged."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **call: Any) -> Any:
        owner = _owner.get()
        if owner is not None:
            call["Item"] = {**call["Item"], OWNER: {"S": owner}}
        return self._client.put_item(**call)

    def update_item(self, **call: Any) -> Any:
        # Completed: a registration's record learns its user, and any record whom it names.
        for name, value in ((OWNER, _owner.get()), (ABOUT, mentions.mentioned())):
            if value is not None:
                call["UpdateExpression"] += f", #{name} = :{name}"
                names, values = call["ExpressionAttributeNames"], call["ExpressionAttributeValues"]
                call["ExpressionAttributeNames"] = {**names, f"#{name}": name}
                call["ExpressionAttributeValues"] = {**values, f":{name}": {"S": value}}
        return self._client.update_item(**call)


def _account_of(response: HttpResponse) -> str | None:
    """The user a response's fresh token belongs to (a registration's answer), if it has one:
    Cognito issued it to us over TLS a moment ago, so its payload is read, not verified again."""
    user = (response.body or {}).get("user")
    token = user.get("token") if isinstance(user, dict) else None
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else None


_layers: dict[str, _Persistence] = {}


def _layer(route_name: str) -> _Persistence:
    """One persistence layer per route (the local gateway serves every route in one process)."""
    layer = _layers.get(route_name)
    if layer is None:
        layer = _layers[route_name] = _Persistence(
            table_name=settings.table_name(IDEMPOTENCY), boto3_client=_Owned(storage.connection().client)
        )
    return layer


def reset() -> None:
    """Forget the persistence layers (tests that replace the shared client)."""
    _layers.clear()


def once(
    route_name: str,
    request: ApiRequest,
    body: Any,
    context: LambdaContext,
    run: Callable[[], HttpResponse],
    replay: Replay,
) -> HttpResponse:
    """Answer `run()`, or the answer kept for this caller and key; `body` is what is compared."""
    from conduit.api.app import HttpResponse

    config = IdempotencyConfig(
        event_key_jmespath="[caller, key]",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=EXPIRY_SECONDS,
        hash_function="sha256",
        lambda_context=context,
    )
    first: list[HttpResponse] = []

    def execute(payload: dict[str, Any]) -> dict[str, Any]:
        response = run()
        first.append(response)
        if request.caller is None:
            _owner.set(_account_of(response))
        kept = replay.keep(response)
        return {"status": kept.status, "body": kept.body}

    caller = request.caller.user_id if request.caller else ANONYMOUS
    payload = {"caller": caller, "key": request.idempotency_key, "body": body}
    owned = _owner.set(request.caller.user_id if request.caller else None)
    naming = mentions.start()
    try:
        stored = idempotent_function(
            execute,
            data_keyword_argument="payload",
            persistence_store=_layer(route_name),
            config=config,
            key_prefix=route_name,
        )(payload=payload)
    except IdempotencyValidationError:
        raise ValidationFailed.on(HEADER, REUSED) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict.on(HEADER, "is in use by a request still running") from None
    except IdempotencyPersistenceLayerError:
        if first:  # the request did its work; only keeping its answer failed
            logger.warning("idempotency record not completed", exc_info=True, extra={"route": route_name})
            return first[0]
        raise
    finally:
        _owner.reset(owned)
        mentions.finish(naming)
    if first:
        return first[0]
    logger.info("idempotent repeat answered from the first response", extra={"route": route_name})
    return replay.answer(request, HttpResponse(int(stored["status"]), stored["body"]))
