"""Synthesizes the CDK app in-process, offline, once per stage per session, and reads the template.

The dependency layer is an empty placeholder folder (`-c dependencyLayerDir=...`), so no pip
run, network or Docker is needed, and no stack bundles its assets (CDK's own
`aws:cdk:bundling-stacks`, as `cdk list` sets it), so no Python 3.13 is needed either
(test_infra_bytecode.py bundles for real); the context comes from cdk.json like a real
`cdk synth`, and cdk-nag's checks run on every synth as they do in `infra/app.py`.
The readers below compute expectations from `conduit.resources` and `conduit.routes` alone,
independently of infra/, so a declaration added there is checked with no test change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from conduit.resources import Table
from conduit.routes import UNSIGNED_COGNITO_ACTIONS, Grant, Route, StreamWorker, TableGrant, UserPoolGrant
from infra.app import build
from infra.checks import add_policy_checks
from infra.config import StageConfig
from infra.paths import REPO_ROOT
from infra.stack import ConduitStack

Synth = Callable[..., ConduitStack]
Resource = Mapping[str, Any]

#: CDK's context key naming the stacks whose assets are bundled (default: all).
BUNDLING_STACKS = "aws:cdk:bundling-stacks"
STAGE = "dev-alice"
RETAINED_STAGE = "qa-keep"
#: Context of the `configured` stage: every per-stage setting away from its default.
CONFIGURED_CONTEXT = {
    "logLevel": "DEBUG",
    "throttleRate": "7",
    "throttleBurst": "11",
    "alarmEmail": "ops@example.com",
}

XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
#: Services whose permissions must name their resources: never `*` actions or `*` resources.
GUARDED_PREFIXES = ("dynamodb:", "cognito-idp:", "sqs:")


def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return context


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Builds the app for a stage the way `cdk synth -c stage=... -c key=value` would;
    `routes` or `workers` replace the declared ones, to show that new declarations need no
    infra change; `bundling_stacks` (none by default) bundles those stacks' assets."""
    placeholder_layer: Path = tmp_path_factory.mktemp("placeholder-dependency-layer")

    def synthesize(
        stage: str,
        routes: tuple[Route, ...] | None = None,
        workers: tuple[StreamWorker, ...] | None = None,
        bundling_stacks: list[str] | None = None,
        **context: object,
    ) -> ConduitStack:
        app = App(
            outdir=str(tmp_path_factory.mktemp("cdk.out")),
            context={
                **cdk_json_context(),
                "stage": stage,
                "dependencyLayerDir": str(placeholder_layer),
                **context,
            },
            # After CDK_CONTEXT_JSON, so a `cdk` in the environment cannot turn bundling back on.
            post_cli_context={BUNDLING_STACKS: bundling_stacks or []},
        )
        add_policy_checks(app)
        if routes is None and workers is None:
            return build(app)
        declarations: dict[str, Any] = {}
        if routes is not None:
            declarations["routes"] = routes
        if workers is not None:
            declarations["workers"] = workers
        return ConduitStack(app, StageConfig.from_context(app.node.try_get_context), **declarations)

    return synthesize


@pytest.fixture(scope="session")
def stack(synth: Synth) -> ConduitStack:
    return synth(STAGE)


@pytest.fixture(scope="session")
def template(stack: ConduitStack) -> Template:
    return Template.from_stack(stack)


@pytest.fixture(scope="session")
def retained_stack(synth: Synth) -> ConduitStack:
    return synth(RETAINED_STAGE, retain="true")


@pytest.fixture(scope="session")
def prod_stack(synth: Synth) -> ConduitStack:
    """`prod` is in cdk.json's `cdnStages` and `snapStartStages`: it gets the CloudFront
    distribution, and its API invokes SnapStart versions."""
    return synth("prod")


@pytest.fixture(scope="session")
def prod_template(prod_stack: ConduitStack) -> Template:
    return Template.from_stack(prod_stack)


@pytest.fixture(scope="session")
def configured_template(synth: Synth) -> Template:
    return Template.from_stack(synth(STAGE, **CONFIGURED_CONTEXT))


@pytest.fixture(scope="session")
def retained_template(retained_stack: ConduitStack) -> Template:
    return Template.from_stack(retained_stack)


# --- reading the template -------------------------------------------------------------------


def only(found: Mapping[str, Resource]) -> tuple[str, Resource]:
    assert len(found) == 1, f"expected one resource, found {sorted(found)}"
    return next(iter(found.items()))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_id(template: Template, name: str) -> str:
    """The function of a route or worker called `name`."""
    logical_id, _ = only(
        template.find_resources(
            "AWS::Lambda::Function", {"Properties": {"FunctionName": f"conduit-{STAGE}-{name}"}}
        )
    )
    return logical_id


def function(template: Template, name: str) -> Resource:
    return template.find_resources("AWS::Lambda::Function")[function_id(template, name)]


def table_id(template: Template, table: Table) -> str:
    logical_id, _ = only(
        template.find_resources(
            "AWS::DynamoDB::Table", {"Properties": {"TableName": table.physical_name(STAGE)}}
        )
    )
    return logical_id


def signing_keys_id(template: Template) -> str:
    """The custom resource that reads the pool's signing keys at deploy time."""
    logical_id, _ = only(template.find_resources("Custom::ConduitSigningKeys"))
    return logical_id


def user_pool_id(template: Template) -> str:
    logical_id, _ = only(template.find_resources("AWS::Cognito::UserPool"))
    return logical_id


def client_id(template: Template) -> str:
    logical_id, _ = only(template.find_resources("AWS::Cognito::UserPoolClient"))
    return logical_id


def statements_of(template: Template, name: str) -> list[Resource]:
    """Every statement of the policies on the role of the function called `name`."""
    role_id = function(template, name)["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def all_statements(template: Template) -> list[Resource]:
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def pair(action: str, resource: Any) -> tuple[str, str]:
    return action, json.dumps(resource, sort_keys=True)


def permission_pairs(statements: list[Resource]) -> set[tuple[str, str]]:
    """(action, resource) pairs of the guarded services: equal however CDK merges or splits statements."""
    return {
        pair(action, resource)
        for statement in statements
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        if action.startswith(GUARDED_PREFIXES)
        for resource in as_list(statement["Resource"])
    }


def grant_pairs(template: Template, grants: Iterable[Grant]) -> set[tuple[str, str]]:
    """The rule of the issue, restated: Transact* has no IAM action, public Cognito calls none."""
    pairs = set()
    for grant in grants:
        if isinstance(grant, TableGrant):
            arn = {"Fn::GetAtt": [table_id(template, grant.table), "Arn"]}
            resources = [arn, *({"Fn::Join": ["", [arn, f"/index/{i}"]]} for i in grant.indexes)]
            actions = [a for a in grant.actions if a not in {"TransactWriteItems", "TransactGetItems"}]
            pairs |= {pair(f"dynamodb:{a}", r) for a in actions for r in resources}
        elif isinstance(grant, UserPoolGrant):
            arn = {"Fn::GetAtt": [user_pool_id(template), "Arn"]}
            actions = [a for a in grant.actions if a not in UNSIGNED_COGNITO_ACTIONS]
            pairs |= {pair(f"cognito-idp:{a}", arn) for a in actions}
    return pairs
