"""The HTTP side of the functions: every route's handler is built by `conduit.api.app`.

Importing this package starts a function's init, so the cyclic garbage collector is paused
here: importing a handler allocates a few hundred thousand objects and almost no garbage, and
the collector would meanwhile run dozens of passes over the growing heap, about 7% of init
(bench/coldstart.py, docs/architecture.md#cold-start). `conduit.api.app.lambda_handler`, the last
thing a handler module does, turns it back on (`init_done`).
"""

import gc

_was_collecting = gc.isenabled()
gc.disable()


def init_done() -> None:
    """The handler is built: collect garbage as usual from here on."""
    if _was_collecting:
        gc.enable()
