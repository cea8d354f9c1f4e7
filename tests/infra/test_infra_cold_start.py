"""What the template does for cold starts: the pool's signing keys resolved at deploy time into
the environment of every function that verifies tokens (within Lambda's 4 KB), and SnapStart
as a stage setting: on for `prod` (versions, a `live` alias the API invokes), off elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Template

from conduit.auth import MAX_SHIPPED_KEYS_BYTES
from conduit.resources import TABLES, USER_POOL
from conduit.routes import ROUTES, SIGNING_KEYS_HANDLER, WORKERS, Auth, Route
from infra.components.runtime import SIGNING_KEYS_NAME
from infra.errors import InfraError
from tests.infra.conftest import STAGE, Resource, as_list, function, only, signing_keys_id, user_pool_id

#: Lambda's limit on all of a function's environment variables together.
FOUR_KB = 4096
LONGEST_STAGE = "a" * 20
#: DynamoDB's longest table name, for the restored tables a stage may run on.
LONGEST_TABLE_NAME = 255


def functions_of(template: Template) -> Mapping[str, Resource]:
    return template.find_resources("AWS::Lambda::Function")


def named(template: Template, stage: str, name: str) -> tuple[str, Resource]:
    return only(
        template.find_resources(
            "AWS::Lambda::Function", {"Properties": {"FunctionName": f"conduit-{stage}-{name}"}}
        )
    )


def integration_target(template: Template, route: Route) -> Any:
    _, api_route = only(
        template.find_resources("AWS::ApiGatewayV2::Route", {"Properties": {"RouteKey": route.route_key}})
    )
    integration_id = api_route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
    return template.find_resources("AWS::ApiGatewayV2::Integration")[integration_id]["Properties"][
        "IntegrationUri"
    ]


# --- the signing keys -----------------------------------------------------------------------


def test_the_signing_keys_are_read_at_deploy_time_from_the_pools_jwks_url(template):
    keys = template.find_resources("Custom::ConduitSigningKeys")[signing_keys_id(template)]
    reader_id, reader = named(template, STAGE, SIGNING_KEYS_NAME)

    assert reader["Properties"]["Handler"] == SIGNING_KEYS_HANDLER
    assert keys["Properties"]["ServiceToken"] == {"Fn::GetAtt": [reader_id, "Arn"]}
    assert keys["Properties"]["JwksUrl"] == {
        "Fn::Join": [
            "",
            ["https://", {"Fn::GetAtt": [user_pool_id(template), "ProviderURL"]}, "/.well-known/jwks.json"],
        ]
    }


def test_the_signing_keys_reader_may_do_nothing_but_log_and_trace(template):
    reader_id, _ = named(template, STAGE, SIGNING_KEYS_NAME)
    role = functions_of(template)[reader_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    actions = {
        action
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in as_list(statement["Action"])
    }
    assert actions <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_function_gets_the_signing_keys_exactly_when_it_verifies_tokens(template, route):
    variables = function(template, route.name)["Properties"]["Environment"]["Variables"]

    assert (USER_POOL.keys_env_var in variables) == (route.auth is not Auth.NONE)


def test_stream_workers_get_no_signing_keys(template):
    for worker in WORKERS:
        assert (
            USER_POOL.keys_env_var
            not in function(template, worker.name)["Properties"]["Environment"]["Variables"]
        )


def _largest(value: Any, tables: dict[str, str]) -> int:
    """A value's length, tokens at the largest they can resolve to."""
    if isinstance(value, str):
        return len(value)
    if "Fn::GetAtt" in value:  # the shipped keys
        return MAX_SHIPPED_KEYS_BYTES
    reference = value["Ref"]
    return len(tables[reference]) if reference in tables else 128  # pool and client ids: <= 128


def environment_bytes(template: Template, resource: Resource) -> int:
    tables = {
        logical_id: table["Properties"]["TableName"]
        for logical_id, table in template.find_resources("AWS::DynamoDB::Table").items()
    }
    variables = resource["Properties"]["Environment"]["Variables"]
    return sum(len(name) + _largest(value, tables) for name, value in variables.items())


def longest_table_names() -> dict[str, str]:
    """Context running every declared table on an existing one with the longest name allowed."""
    overrides: dict[str, str] = {}
    for table in TABLES:
        name = f"{table.key}-".ljust(LONGEST_TABLE_NAME, "x")
        overrides[f"tableOverride.{table.key}"] = name
        if table.stream:
            stream = f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}/stream/2026-12-01T00:00:00.000"
            overrides[f"tableStreamOverride.{table.key}"] = stream
    return overrides


def test_every_environment_fits_in_4_kb_with_the_largest_keys_stage_and_table_names(synth):
    template = Template.from_stack(synth(LONGEST_STAGE, **longest_table_names()))

    sizes = {
        resource["Properties"]["FunctionName"]: environment_bytes(template, resource)
        for resource in functions_of(template).values()
    }
    assert max(sizes.values()) <= FOUR_KB, sizes


def test_a_function_whose_environment_could_pass_4_kb_fails_the_synth(synth, monkeypatch):
    # Every declaration fits today (above); a key set allowed to grow to 3 KB would not.
    from infra.components import runtime

    monkeypatch.setattr(runtime, "MAX_SHIPPED_KEYS_BYTES", 3 * 1024)

    with pytest.raises(InfraError, match=r"environment of conduit-dev-alice-\w+ may take \d+ bytes"):
        synth(STAGE, **longest_table_names())


# --- SnapStart ------------------------------------------------------------------------------


def _routes_functions(template: Template, stage: str) -> dict[str, tuple[str, Resource]]:
    return {route.name: named(template, stage, route.name) for route in ROUTES}


def test_a_personal_stage_runs_without_snapstart_versions_or_aliases(template):
    assert all("SnapStart" not in f["Properties"] for f in functions_of(template).values())
    assert template.find_resources("AWS::Lambda::Version") == {}
    assert template.find_resources("AWS::Lambda::Alias") == {}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_personal_stage_api_invokes_each_function_itself(template, route):
    function_id, _ = named(template, STAGE, route.name)

    assert integration_target(template, route) == {"Fn::GetAtt": [function_id, "Arn"]}


def test_prod_runs_every_api_function_with_snapstart_on_published_versions(prod_template):
    for _, resource in _routes_functions(prod_template, "prod").values():
        assert resource["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_prod_api_invokes_the_live_alias_of_the_functions_latest_version(prod_template, route):
    function_id, _ = named(prod_template, "prod", route.name)
    aliases = prod_template.find_resources("AWS::Lambda::Alias")
    versions = prod_template.find_resources("AWS::Lambda::Version")
    [(alias_id, alias)] = [
        (i, a) for i, a in aliases.items() if a["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]

    assert alias["Properties"]["Name"] == "live"
    assert versions[version_id]["Properties"]["FunctionName"] == {"Ref": function_id}
    assert integration_target(prod_template, route) == {"Ref": alias_id}


def test_prod_deletes_a_replaced_version_so_its_snapshot_stops_being_billed(prod_template):
    versions = prod_template.find_resources("AWS::Lambda::Version")

    assert len(versions) == len(ROUTES)
    assert {v["DeletionPolicy"] for v in versions.values()} == {"Delete"}


def test_prod_runs_the_stream_workers_and_the_keys_reader_without_snapstart(prod_template):
    for name in [w.name for w in WORKERS] + [SIGNING_KEYS_NAME]:
        assert "SnapStart" not in named(prod_template, "prod", name)[1]["Properties"]


def test_the_stage_context_turns_snapstart_on_or_off_whatever_cdk_json_lists(synth):
    off = Template.from_stack(synth("prod", snapStart="false"))
    on = Template.from_stack(synth(STAGE, snapStart="true"))

    assert off.find_resources("AWS::Lambda::Alias") == {}
    assert len(on.find_resources("AWS::Lambda::Alias")) == len(ROUTES)
