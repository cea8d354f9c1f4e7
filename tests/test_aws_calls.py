"""The request's tally of AWS calls (its log line's `aws`) never gets in the way of the call."""

from __future__ import annotations

import socket

import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from botocore.session import get_session

from conduit import aws_calls


def unreachable() -> str:
    """An address nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_call_that_got_no_answer_fails_as_it_did_and_is_counted() -> None:
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=1)
    client = get_session().create_client(
        "dynamodb",
        "us-east-1",
        endpoint_url=unreachable(),
        config=config,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    aws_calls.track(client)

    with aws_calls.tallying() as tally, pytest.raises(EndpointConnectionError):
        client.get_item(TableName="t", Key={"pk": {"S": "x"}})

    assert tally.summary()["dynamodb"]["calls"] == 1
