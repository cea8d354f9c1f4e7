"""The test harness: every API test goes through the HTTP path a client uses.

request -> local gateway -> API Gateway event -> handler -> embedded emulator (moto server).
One emulator serves the whole session; each test gets freshly provisioned, empty resources.
"""

from __future__ import annotations

import os

# Before anything imports Powertools or boto3: no real AWS, quiet metrics namespace.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "conduit",
        "POWERTOOLS_METRICS_NAMESPACE": "Conduit",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
for leaked in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(leaked, None)

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from local.emulator import CallLog, Emulator  # noqa: E402

TEST_STAGE = "test"
#: The celebrity threshold in the tests: small, so both sides of it are cheap to reach.
CELEBRITY_FOLLOWERS = 3


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    emulator = Emulator()
    os.environ["AWS_ENDPOINT_URL"] = emulator.start()
    yield emulator
    emulator.stop()


def fresh_resources(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> CallLog:
    """Reset the emulator and provision empty tables and a user pool; returns the call log."""
    from conduit import auth, limits, settings
    from conduit.resources import CELEBRITY_FOLLOWERS_ENV_VAR
    from conduit.users import identity
    from local.provision import provision

    emulator.reset()
    for name, value in provision(TEST_STAGE, jwks_base_url=emulator.endpoint_url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(CELEBRITY_FOLLOWERS_ENV_VAR, str(CELEBRITY_FOLLOWERS))
    for name, value in limits.lifted().items():  # tests write fast; tests/api/test_limits.py does not
        monkeypatch.setenv(name, value)
    limits.reset()
    settings.reset()
    auth.reset()
    identity.reset()
    emulator.log.clear()
    return emulator.log


@pytest.fixture
def aws(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> CallLog:
    """Empty, freshly provisioned tables and user pool; yields the log of AWS calls."""
    return fresh_resources(emulator, monkeypatch)
