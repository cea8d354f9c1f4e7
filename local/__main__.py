"""`make dev`: the Conduit API on http://localhost:3000/api over an embedded AWS emulator,
with the stream worker fed from the table streams in the background.

Environment: PORT (3000), HOST (127.0.0.1), STAGE (local), AWS_ENDPOINT_URL to use an
AWS-compatible endpoint that is already running instead of starting the emulator, and
CONDUIT_FAULTS (a share of calls, e.g. 0.2) with CONDUIT_FAULTS_SEED (0) to have the embedded
emulator fail that share of DynamoDB and Cognito data-plane calls as AWS does (`local.faults`),
and LOG_FORMAT (`text`).

The console (`local.console`): with LOG_FORMAT=text, one short line per request (method, path,
status, milliseconds, AWS calls per service), plus warnings and errors; LOG_FORMAT=json prints
what the functions log as deployed (JSON log lines, EMF metrics). Anything else the local stack
must show a developer goes through `local.console.say(text)`, one whole line in either format.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from werkzeug.serving import make_server

from conduit.resources import DEFAULT_REGION, JWKS_URL_ENV_VAR
from local import console
from local.cognito import Message
from local.emulator import Emulator
from local.gateway import LocalGateway
from local.provision import provision
from local.streams import StreamPump


def _use_local_credentials() -> None:
    # The emulator accepts any credentials; never pick up a developer's real ones by accident.
    os.environ["AWS_ACCESS_KEY_ID"] = "local"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "local"
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)


def _fault_rate() -> float:
    raw = os.environ.get("CONDUIT_FAULTS", "").strip()
    try:
        rate = float(raw) if raw else 0.0
    except ValueError:
        raise SystemExit(f"CONDUIT_FAULTS is a share of calls from 0 to 1, not {raw!r}") from None
    if not 0 <= rate <= 1:
        raise SystemExit(f"CONDUIT_FAULTS is a share of calls from 0 to 1, not {raw!r}")
    return rate


def _print_message(message: Message) -> None:
    """What Cognito would have emailed, on the console (and at /_dev/outbox)."""
    console.say(f"mail to {message.to}: {message.kind} code {message.code}")


def main() -> int:
    console.start()
    port = int(os.environ.get("PORT", "3000"))
    host = os.environ.get("HOST", "127.0.0.1")
    stage = os.environ.get("STAGE", "local")
    faults = _fault_rate()

    _use_local_credentials()
    emulator: Emulator | None = None
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        emulator = Emulator()
        endpoint = os.environ["AWS_ENDPOINT_URL"] = emulator.start()
    elif faults:
        raise SystemExit("CONDUIT_FAULTS needs the embedded emulator: unset AWS_ENDPOINT_URL")
    env = provision(stage, jwks_base_url=None if os.environ.get(JWKS_URL_ENV_VAR) else endpoint)
    os.environ.update(env)
    console.functions_ready()
    if emulator is not None and faults:
        seed = int(os.environ.get("CONDUIT_FAULTS_SEED", "0"))
        emulator.start_weather(faults, seed)
        print(f"Failing {faults:.0%} of DynamoDB and Cognito data-plane calls (seed {seed}).", flush=True)

    outbox = None
    if emulator is not None:
        emulator.cognito.on_message = _print_message
        outbox = emulator.outbox
    server = make_server(host, port, console.wrap(LocalGateway(outbox=outbox)), threaded=True)
    stop_pumping = threading.Event()
    pump = threading.Thread(target=StreamPump().pump, args=(stop_pumping,), name="stream-pump", daemon=True)
    pump.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    where = "embedded emulator" if emulator else "external endpoint"
    print(f"Conduit API on http://localhost:{port}/api ({where} at {endpoint}, stage {stage})", flush=True)
    if outbox is not None:
        print(f"Mail Cognito would send: http://localhost:{port}/_dev/outbox", flush=True)
    print("Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopping.", flush=True)
    finally:
        stop_pumping.set()
        pump.join(timeout=5)
        server.server_close()
        if emulator is not None:
            emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
