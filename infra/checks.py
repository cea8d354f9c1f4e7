"""Policy checks run on every synth: cdk-nag's AWS Solutions rules.

A finding is an error annotation, which fails `cdk synth` and `cdk deploy`; each accepted
finding is suppressed next to the resource it concerns, with the reason written there. The
tests run the same checks on the template they read (tests/infra/test_infra_policy.py).
"""

from __future__ import annotations

from aws_cdk import App, Aspects
from cdk_nag import AwsSolutionsChecks


def add_policy_checks(app: App) -> None:
    """Check every stack of `app` against the AWS Solutions pack when it is synthesized."""
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
