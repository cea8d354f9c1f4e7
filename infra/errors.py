"""One error type for every mistake the app can report before CloudFormation ever sees it."""

from __future__ import annotations


class InfraError(Exception):
    """A bad context value or an inconsistent declaration; the message says how to fix it."""
