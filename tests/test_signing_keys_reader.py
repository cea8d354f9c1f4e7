"""functions/deploy/signing_keys.py: the custom resource that reads the pool's keys at deploy
time answers CloudFormation in every case, with the keys functions expect or with the reason
it could not read them (a custom resource that never answers holds a deployment for an hour).

A local HTTP server stands for both the pool's JWKS URL and CloudFormation's response URL.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from conduit.auth import parse_key_set, shippable_key_set
from deploy import signing_keys
from local.gateway import LambdaContext


def _jwks(*kids: str) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    jwk = json.loads(RSAAlgorithm.to_jwk(key))
    return json.dumps({"keys": [jwk | {"kid": kid, "alg": "RS256", "use": "sig"} for kid in kids]}).encode()


@dataclass
class Endpoints:
    """The JWKS it serves (after `failures` refusals) and the answers CloudFormation got."""

    base: str = ""
    jwks: bytes = b""
    failures: int = 0
    reads: int = 0
    answers: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str | None] = field(default_factory=list)


@pytest.fixture
def endpoints() -> Iterator[Endpoints]:
    state = Endpoints(jwks=_jwks("key-1", "key-2"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.reads += 1
            if state.reads <= state.failures:
                self.send_response(503)
                self.end_headers()
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(state.jwks)

        def do_PUT(self) -> None:
            state.content_types.append(self.headers.get("Content-Type"))
            state.answers.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


def deploy(endpoints: Endpoints, request_type: str, **extra: Any) -> dict[str, Any]:
    event = {
        "RequestType": request_type,
        "ResponseURL": f"{endpoints.base}/response",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Conduit-test/1",
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "SigningKeys",
        "ResourceType": "Custom::ConduitSigningKeys",
        "ResourceProperties": {"ServiceToken": "arn", "JwksUrl": f"{endpoints.base}/jwks.json"},
        **extra,
    }
    context = LambdaContext("conduit-test-SigningKeys", 128, str(uuid.uuid4()), time.time() * 1000 + 60_000)
    signing_keys.handler(event, cast(Any, context))
    [answer] = endpoints.answers
    assert answer["RequestId"] == event["RequestId"]
    assert answer["StackId"] == event["StackId"]
    return answer


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_creating_or_updating_answers_with_the_keys_functions_read(endpoints, request_type):
    answer = deploy(endpoints, request_type, PhysicalResourceId="keys")

    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"Keys": shippable_key_set(endpoints.jwks)}
    assert sorted(parse_key_set(answer["Data"]["Keys"])) == ["key-1", "key-2"]


def test_an_update_keeps_the_resources_physical_id(endpoints):
    assert deploy(endpoints, "Update", PhysicalResourceId="keys-of-the-pool")["PhysicalResourceId"] == (
        "keys-of-the-pool"
    )


def test_the_answer_goes_without_a_content_type_as_the_presigned_url_expects(endpoints):
    deploy(endpoints, "Create")

    assert endpoints.content_types == [""]


def test_deleting_answers_without_reading_the_keys(endpoints):
    answer = deploy(endpoints, "Delete", PhysicalResourceId="keys")

    assert answer["Status"] == "SUCCESS"
    assert endpoints.reads == 0


def test_a_pool_whose_keys_are_not_served_yet_is_read_again(endpoints):
    endpoints.failures = signing_keys.ATTEMPTS - 1

    assert deploy(endpoints, "Create")["Status"] == "SUCCESS"
    assert endpoints.reads == signing_keys.ATTEMPTS


def test_keys_never_served_fail_the_deployment_with_the_reason(endpoints):
    endpoints.failures = signing_keys.ATTEMPTS

    answer = deploy(endpoints, "Create")

    assert answer["Status"] == "FAILED"
    assert "cannot read the user pool's signing keys" in answer["Reason"]
    assert "503" in answer["Reason"]


def test_a_document_that_is_not_a_key_set_fails_the_deployment_without_retrying(endpoints):
    endpoints.jwks = b"<html>not found</html>"

    answer = deploy(endpoints, "Create")

    assert answer["Status"] == "FAILED"
    assert "JWKS" in answer["Reason"]
    assert endpoints.reads == 1


def test_keys_too_large_for_a_functions_environment_fail_the_deployment(endpoints):
    endpoints.jwks = _jwks(*(f"key-{n}" for n in range(8)))

    answer = deploy(endpoints, "Create")

    assert answer["Status"] == "FAILED"
    assert "environment" in answer["Reason"]
