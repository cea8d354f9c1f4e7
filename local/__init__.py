"""The local stack: an embedded AWS emulator, its provisioning, and a local API gateway.

Used by `make dev` and by the tests; never deployed.
"""
