"""Conduit's shared code, shipped to every function as the shared-code Lambda layer."""
