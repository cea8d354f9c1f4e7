"""Deploy time, not a route: the CloudFormation custom resource that reads the user pool's public
keys once the pool exists. Its `Keys` attribute becomes `USER_POOL_JWKS` in the environment of
every function that verifies tokens (infra/components/runtime.py), so no cold start fetches them
(conduit.auth); a key the pool publishes later is fetched by the functions themselves.

It answers CloudFormation itself (a PUT of the result to the pre-signed `ResponseURL`), so the
stack needs no provider framework function beside it. It answers whatever happens: a custom
resource that never answers holds the deployment for an hour.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.request import Request, urlopen

from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit.auth import shippable_key_set
from conduit.observability import logger

ATTEMPTS = 3
_TIMEOUT_SECONDS = 10
_PAUSE_SECONDS = 2.0
_MAX_JWKS_BYTES = 64 * 1024


def _read(jwks_url: str) -> str:
    with urlopen(jwks_url, timeout=_TIMEOUT_SECONDS) as response:  # the pool's URL, from the template
        return shippable_key_set(response.read(_MAX_JWKS_BYTES))


def read_keys(jwks_url: str, attempts: int = ATTEMPTS, pause: float = _PAUSE_SECONDS) -> str:
    """The pool's signing keys as functions get them; a pool made a moment ago gets a few tries."""
    for attempt in range(1, attempts):
        try:
            return _read(jwks_url)
        except OSError:
            logger.warning("signing keys not readable yet", extra={"attempt": attempt})
            time.sleep(pause)
    return _read(jwks_url)


def _answer(event: dict[str, Any], status: str, reason: str, data: dict[str, str]) -> None:
    body = {
        "Status": status,
        "Reason": reason[:1000],
        "PhysicalResourceId": event.get("PhysicalResourceId") or event["LogicalResourceId"],
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": data,
    }
    # The pre-signed URL was signed without a content type: send none.
    request = Request(event["ResponseURL"], data=json.dumps(body).encode(), method="PUT")
    request.add_header("Content-Type", "")
    with urlopen(request, timeout=_TIMEOUT_SECONDS):  # CloudFormation's pre-signed S3 URL
        pass


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    status, reason, data = "SUCCESS", "", {}
    try:
        if event["RequestType"] in ("Create", "Update"):
            data = {"Keys": read_keys(event["ResourceProperties"]["JwksUrl"])}
    except Exception as error:  # reported to CloudFormation, which fails the deployment with it
        logger.exception("cannot read the user pool's signing keys")
        status, reason = "FAILED", f"cannot read the user pool's signing keys: {error}"
    _answer(event, status, reason, data)
