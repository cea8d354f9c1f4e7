"""`make contract`: schemathesis, generated from the OpenAPI document, against the local stack.

    .venv/bin/python scripts/contract.py [--max-examples N] [--seed S]

Starts `make dev`'s stack (`python -m local`) on a free loopback port, creates what the
document's examples name (a caller, the user `celeb`, an article and its first comment),
then runs schemathesis over every operation with the caller's token: the examples, coverage,
fuzzing and stateful phases, a fixed seed and a bounded number of examples per operation, so
a run takes a minute or two. It must find no server error, no response outside its schema,
no undocumented status, no missing declared header and no wrong content type; the exit status
is schemathesis'. Every finding gets a regression test of its own in `make test`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "shared" / "python")]

from contract.operations import PATH_PARAMETERS  # noqa: E402
from local.client import call  # noqa: E402

#: What every response must satisfy (schemathesis' names for them).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "content_type_conformance",
)
PHASES = ("examples", "coverage", "fuzzing", "stateful")
MAX_EXAMPLES = 25
SEED = 20261202
PASSWORD = "correct-horse"
STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_stack(port: int, log: Path) -> subprocess.Popen[bytes]:
    """`make dev` in the background, in a developer's environment (no AWS or Powertools settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(PORT=str(port), PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers/shared/python")]))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the local stack exited; its log:\n{log.read_text(errors='replace')}")
        try:
            if call(base, "GET", "/openapi.json")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit(f"the local stack did not answer within {STARTUP_SECONDS} s")


def register(base: str, name: str) -> str:
    """A new account's token."""
    user = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    answered, document = call(base, "POST", "/users", {"user": user}, None)
    if answered != 201:
        raise SystemExit(f"registering {name}: {answered} {document}")
    return str(document["user"]["token"])


def create_examples(base: str) -> str:
    """The resources the document's examples name; returns the caller's token."""

    def created(status: int, method: str, path: str, body: Any, token: str | None = None) -> Any:
        answered, document = call(base, method, path, body, token)
        if answered != status:
            raise SystemExit(f"creating the examples: {method} {path} answered {answered} {document}")
        return document

    token = register(base, "contract-caller")
    register(base, str(PATH_PARAMETERS["username"].example))
    article = {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "Believe."}
    slug = created(201, "POST", "/articles", {"article": article}, token)["article"]["slug"]
    comment = created(200, "POST", f"/articles/{slug}/comments", {"comment": {"body": "Hi"}}, token)
    if (slug, comment["comment"]["id"]) != (PATH_PARAMETERS["slug"].example, PATH_PARAMETERS["id"].example):
        raise SystemExit(f"the examples in contract.operations name {slug!r} and comment 1: update them")
    return token


#: Operations that end the caller's sessions or account: run apart, last, with a caller of
#: their own, so that the rest of the run keeps a token that works.
ENDING = ("Logout", "EndAllSessions", "DeleteCurrentUser")


def schemathesis_command(
    base: str, token: str, max_examples: int, seed: int, ending: bool = False
) -> list[str]:
    which = "--include-operation-id" if ending else "--exclude-operation-id"
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        ",".join(PHASES),
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--header",
        f"Authorization: Token {token}",
        "--workers",
        "1",  # the local stack serialises AWS calls: more workers add no throughput here
        "--generation-database",
        "none",  # reproducible from the seed alone, and nothing written into the tree
        "--no-color",
        *[arg for name in ENDING for arg in (which, name)],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES, help="per operation and phase")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "local-stack.log"
        port = free_port()
        stack = start_stack(port, log)
        try:
            base = f"http://127.0.0.1:{port}/api"
            token = create_examples(base)
            started = time.monotonic()
            done = subprocess.run(schemathesis_command(base, token, args.max_examples, args.seed), cwd=tmp)
            if done.returncode == 0:
                ender = register(base, "contract-ender")
                command = schemathesis_command(base, ender, args.max_examples, args.seed, ending=True)
                done = subprocess.run(command, cwd=tmp)
            print(
                f"schemathesis: exit {done.returncode} after {time.monotonic() - started:.0f} s", flush=True
            )
        finally:
            stack.send_signal(signal.SIGINT)
            try:
                stack.wait(timeout=20)
            except subprocess.TimeoutExpired:
                stack.kill()
        if done.returncode != 0:
            tail = "".join(log.read_text(errors="replace").splitlines(True)[-200:])
            print(f"the local stack's log (last 200 lines):\n{tail}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
