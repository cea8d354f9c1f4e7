"""Synthesizes the CDK app in-process, offline, once per stage per session.

The dependency layer is an empty placeholder folder (`-c dependencyLayerDir=...`), so no pip
run, network or Docker is needed; the context comes from cdk.json like a real `cdk synth`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from conduit.routes import Route
from infra.app import build
from infra.config import StageConfig
from infra.paths import REPO_ROOT
from infra.stack import ConduitStack

Synth = Callable[..., ConduitStack]


def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return context


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Builds the app for a stage the way `cdk synth -c stage=... -c key=value` would;
    `routes` replaces the route table, to show that new declarations need no infra change."""
    placeholder_layer: Path = tmp_path_factory.mktemp("placeholder-dependency-layer")

    def synthesize(stage: str, routes: tuple[Route, ...] | None = None, **context: object) -> ConduitStack:
        app = App(
            outdir=str(tmp_path_factory.mktemp("cdk.out")),
            context={
                **cdk_json_context(),
                "stage": stage,
                "dependencyLayerDir": str(placeholder_layer),
                **context,
            },
        )
        if routes is None:
            return build(app)
        return ConduitStack(app, StageConfig.from_context(app.node.try_get_context), routes=routes)

    return synthesize
