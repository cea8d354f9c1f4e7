"""`make seed [API=https://.../api]`, or `.venv/bin/python -m seed --api URL [--users N --articles N]`."""

from __future__ import annotations

import argparse
import sys

from seed import world as worlds
from seed.client import Client, SeedError
from seed.planting import KINDS, plant

DEFAULT_API = "http://localhost:3000/api"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seed", description=__doc__)
    parser.add_argument("--api", default=DEFAULT_API, help=f"the API's base URL (default {DEFAULT_API})")
    parser.add_argument(
        "--users", type=int, default=worlds.USERS, help="people in the world (default %(default)s)"
    )
    parser.add_argument(
        "--articles", type=int, default=worlds.ARTICLES, help="articles in the world (default %(default)s)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        world = worlds.generate(args.users, args.articles)
    except ValueError as error:
        parser.error(str(error))
    client = Client(args.api)
    try:
        # Few tries: a stopped `make dev` is said at once, not after a minute of backoff.
        client.request("GET", "/tags", repeatable=True, attempts=3)
    except SeedError as error:
        print(
            f"error: cannot reach {args.api} ({error}): is `make dev` running? For a deployed stage, "
            "pass its URL: make seed API=https://<id>.execute-api.<region>.amazonaws.com/api",
            file=sys.stderr,
        )
        return 1
    try:
        tally = plant(client, world, progress=not args.no_progress)
    except SeedError as error:
        print(f"error: {error}\nNothing is made twice: run it again once that is fixed.", file=sys.stderr)
        return 1
    summary = ", ".join(
        f"{tally.created[kind] + tally.found[kind]} {kind} ({tally.created[kind]} new)" for kind in KINDS
    )
    print(f"Seeded {args.api}: {summary}.")
    print(f"Sign in as any of them, e.g. {world.people[0].email}, with the password {worlds.PASSWORD}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
