"""The synthesized template for a developer stage matches the shared declarations.

Expectations are computed here from `conduit.resources` and `conduit.routes`, independently
of infra/, so a route or table added to those files is checked with no test change. The stream
workers have their own file, test_infra_workers.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match, Template

from conduit.api.cors import CORS
from conduit.resources import ARTICLES, FOLLOWS, TABLES, USER_POOL, Key, KeyType, Table, powertools_env
from conduit.routes import (
    ROUTES,
    SIGNING_KEYS_HANDLER,
    WORKERS,
    Auth,
    Route,
    TableGrant,
    tables_used,
    uses_user_pool,
    verifies_tokens,
)
from infra.errors import InfraError
from tests.infra.conftest import (
    CONFIGURED_CONTEXT,
    GUARDED_PREFIXES,
    STAGE,
    XRAY_ACTIONS,
    Resource,
    all_statements,
    as_list,
    client_id,
    function,
    function_id,
    grant_pairs,
    only,
    permission_pairs,
    signing_keys_id,
    statements_of,
    table_id,
    user_pool_id,
)

#: Property that carries the explicit name, per resource type the stack names itself.
NAME_PROPERTIES = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Cognito::UserPool": "UserPoolName",
    "AWS::Cognito::UserPoolClient": "ClientName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ApiGatewayV2::Api": "Name",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
}


def expected_pairs(template: Template, route: Route) -> set[tuple[str, str]]:
    return grant_pairs(template, route.grants)


def attribute_definitions(*keys: Key | None) -> list[dict[str, str]]:
    named = {key.name: key.type.value for key in keys if key is not None}
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in named.items()]


def key_schema(partition: Key, sort: Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort is not None:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


def access_log_group_id(template: Template) -> str:
    _, stage = only(template.find_resources("AWS::ApiGatewayV2::Stage"))
    logical_id: str = stage["Properties"]["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    return logical_id


def table_resource(template: Template, table: Table) -> Resource:
    return template.find_resources("AWS::DynamoDB::Table")[table_id(template, table)]


# --- stack and naming -----------------------------------------------------------------------


def test_stack_name_carries_the_stage(stack):
    assert stack.stack_name == f"Conduit-{STAGE}"


def test_every_explicitly_named_resource_carries_the_stage(template):
    names = {
        (kind, resource["Properties"][prop])
        for kind, prop in NAME_PROPERTIES.items()
        for resource in template.find_resources(kind).values()
    }
    assert {kind for kind, _ in names} == set(NAME_PROPERTIES)
    assert all(STAGE in name for _, name in names), sorted(n for n in names if STAGE not in n[1])


def test_tables_and_user_pool_use_the_declared_physical_names(template):
    template.has_resource_properties(
        "AWS::Cognito::UserPool", {"UserPoolName": USER_POOL.physical_name(STAGE)}
    )
    for table in TABLES:
        template.has_resource_properties("AWS::DynamoDB::Table", {"TableName": table.physical_name(STAGE)})


# --- functions and routes -------------------------------------------------------------------


def test_there_is_one_function_per_route_and_per_worker_and_the_signing_keys_reader(template):
    handlers = sorted(
        f["Properties"]["Handler"] for f in template.find_resources("AWS::Lambda::Function").values()
    )
    declared = [route.handler for route in ROUTES] + [worker.handler for worker in WORKERS]
    assert handlers == sorted([*declared, SIGNING_KEYS_HANDLER])


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_each_route_key_invokes_its_own_function(template, route):
    _, api_route = only(
        template.find_resources("AWS::ApiGatewayV2::Route", {"Properties": {"RouteKey": route.route_key}})
    )
    integration_id = api_route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
    integration = template.find_resources("AWS::ApiGatewayV2::Integration")[integration_id]
    assert integration["Properties"]["IntegrationUri"] == {
        "Fn::GetAtt": [function_id(template, route.name), "Arn"]
    }
    assert function(template, route.name)["Properties"]["Handler"] == route.handler


def test_api_has_exactly_the_declared_routes(template):
    route_keys = sorted(
        r["Properties"]["RouteKey"] for r in template.find_resources("AWS::ApiGatewayV2::Route").values()
    )
    assert route_keys == sorted(route.route_key for route in ROUTES)


def test_integrations_use_lambda_proxy_payload_format_2_0(template):
    integrations = template.find_resources("AWS::ApiGatewayV2::Integration").values()
    assert len(integrations) == len(ROUTES)
    for integration in integrations:
        assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
        assert integration["Properties"]["PayloadFormatVersion"] == "2.0"


def test_every_function_runs_python_3_13_on_arm64(template):
    for resource in template.find_resources("AWS::Lambda::Function").values():
        assert resource["Properties"]["Runtime"] == "python3.13"
        assert resource["Properties"]["Architectures"] == ["arm64"]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_function_memory_and_timeout_come_from_its_route(template, route):
    properties = function(template, route.name)["Properties"]
    assert (properties["MemorySize"], properties["Timeout"]) == (route.memory_mb, route.timeout_seconds)


def test_every_function_is_traced_with_x_ray(template):
    for resource in template.find_resources("AWS::Lambda::Function").values():
        assert resource["Properties"]["TracingConfig"] == {"Mode": "Active"}


def test_every_function_logs_to_its_own_log_group_kept_one_month(template):
    log_groups = template.find_resources("AWS::Logs::LogGroup")
    used = [
        f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        for f in template.find_resources("AWS::Lambda::Function").values()
    ]
    assert len(set(used)) == len(ROUTES) + len(WORKERS) + 1  # and the signing keys reader
    # Besides the functions' groups, only the API's access log group.
    assert sorted(set(log_groups) - set(used)) == [access_log_group_id(template)]
    assert all(group["Properties"]["RetentionInDays"] == 30 for group in log_groups.values())


def test_every_function_log_group_has_lambdas_default_name(template):
    for name in [r.name for r in ROUTES] + [w.name for w in WORKERS]:
        group_id = function(template, name)["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        group = template.find_resources("AWS::Logs::LogGroup")[group_id]
        assert group["Properties"]["LogGroupName"] == f"/aws/lambda/conduit-{STAGE}-{name}"


def test_log_level_is_info_unless_the_stage_context_sets_it(template, configured_template):
    for resource in template.find_resources("AWS::Lambda::Function").values():
        assert resource["Properties"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "INFO"
    for resource in configured_template.find_resources("AWS::Lambda::Function").values():
        variables = resource["Properties"]["Environment"]["Variables"]
        assert variables["POWERTOOLS_LOG_LEVEL"] == CONFIGURED_CONTEXT["logLevel"]
        # The rest of the Powertools settings stays what conduit.resources declares.
        assert {k: v for k, v in variables.items() if k.startswith("POWERTOOLS_")} == {
            k: v
            for k, v in powertools_env(STAGE, CONFIGURED_CONTEXT["logLevel"]).items()
            if k.startswith("POWERTOOLS_")
        }


def test_every_function_gets_the_shared_code_and_dependency_layers(template):
    layer_ids = sorted(template.find_resources("AWS::Lambda::LayerVersion"))
    assert len(layer_ids) == 2
    for resource in template.find_resources("AWS::Lambda::Function").values():
        assert sorted(layer["Ref"] for layer in resource["Properties"]["Layers"]) == layer_ids


# --- environment ----------------------------------------------------------------------------


def expected_environment(template: Template, route: Route) -> dict[str, Any]:
    expected: dict[str, Any] = dict(powertools_env(STAGE))
    for table in tables_used(route):
        expected[table.env_var] = {"Ref": table_id(template, table)}
    if uses_user_pool(route):
        expected[USER_POOL.pool_id_env_var] = {"Ref": user_pool_id(template)}
        expected[USER_POOL.client_id_env_var] = {"Ref": client_id(template)}
    if verifies_tokens(route):
        expected[USER_POOL.keys_env_var] = {"Fn::GetAtt": [signing_keys_id(template), "Keys"]}
    return expected


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_function_environment_names_only_the_resources_its_route_uses(template, route):
    variables = function(template, route.name)["Properties"]["Environment"]["Variables"]
    assert variables == expected_environment(template, route)


# --- IAM ------------------------------------------------------------------------------------


def test_no_dynamodb_cognito_or_sqs_statement_uses_a_wildcard_action(template):
    actions = [a for s in all_statements(template) for a in as_list(s["Action"])]
    assert not [a for a in actions if a.startswith(GUARDED_PREFIXES) and "*" in a]
    assert not [a for a in actions if a == "*"]


def test_no_dynamodb_cognito_or_sqs_statement_applies_to_every_resource(template):
    for statement in all_statements(template):
        if any(a.startswith(GUARDED_PREFIXES) for a in as_list(statement["Action"])):
            assert "*" not in as_list(statement["Resource"]), statement


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_function_may_call_exactly_what_its_route_grants(template, route):
    assert permission_pairs(statements_of(template, route.name)) == expected_pairs(template, route)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_function_has_no_other_permission_than_its_grants_and_tracing(template, route):
    actions = {a for s in statements_of(template, route.name) for a in as_list(s["Action"])}
    assert {a for a in actions if not a.startswith(GUARDED_PREFIXES)} <= XRAY_ACTIONS


def test_each_function_has_a_role_of_its_own(template):
    roles = [
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in template.find_resources("AWS::Lambda::Function").values()
    ]
    assert len(set(roles)) == len(ROUTES) + len(WORKERS) + 1  # and the signing keys reader


def test_route_added_to_the_declarations_gets_a_function_a_route_and_index_permissions(synth):
    followers = Route(
        name="ListFollowers",
        method="GET",
        path="/api/profiles/{username}/followers",
        handler="profiles.get.handler",
        auth=Auth.NONE,
        grants=(TableGrant(FOLLOWS, ("Query",), indexes=("byFanout",)),),
    )
    template = Template.from_stack(synth(STAGE, routes=(followers,), workers=()))
    _, api_route = only(template.find_resources("AWS::ApiGatewayV2::Route"))
    assert api_route["Properties"]["RouteKey"] == followers.route_key
    assert permission_pairs(statements_of(template, followers.name)) == expected_pairs(template, followers)
    variables = function(template, followers.name)["Properties"]["Environment"]["Variables"]
    assert variables == expected_environment(template, followers)
    assert USER_POOL.pool_id_env_var not in variables


def probe_route(**overrides: Any) -> Route:
    fields: dict[str, Any] = {
        "name": "Probe",
        "method": "GET",
        "path": "/api/probe",
        "handler": "profiles.get.handler",
        "auth": Auth.NONE,
        **overrides,
    }
    return Route(**fields)


def test_route_whose_handler_module_does_not_exist_fails_the_synth(synth):
    with pytest.raises(InfraError, match=r"handler module 'profiles\.nope' not found"):
        synth(STAGE, routes=(probe_route(handler="profiles.nope.handler"),), workers=())


def test_two_routes_with_one_name_fail_the_synth(synth):
    with pytest.raises(InfraError, match="route names must be unique"):
        synth(STAGE, routes=(probe_route(), probe_route(method="POST")), workers=())


def test_placeholder_dependency_layer_is_flagged_as_not_deployable(stack):
    Annotations.from_stack(stack).has_warning("*", Match.string_like_regexp("placeholder|if deployed"))


# --- data -----------------------------------------------------------------------------------


def test_there_is_one_table_per_declaration(template):
    names = sorted(
        t["Properties"]["TableName"] for t in template.find_resources("AWS::DynamoDB::Table").values()
    )
    assert names == sorted(table.physical_name(STAGE) for table in TABLES)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_table_has_the_declared_keys(template, table):
    properties = table_resource(template, table)["Properties"]
    assert properties["KeySchema"] == key_schema(table.partition_key, table.sort_key)
    index_keys = [k for i in table.indexes for k in (i.partition_key, i.sort_key)]
    assert sorted(properties["AttributeDefinitions"], key=str) == sorted(
        attribute_definitions(table.partition_key, table.sort_key, *index_keys), key=str
    )


def all_keys(table: Table) -> list[Key]:
    keys = [table.partition_key, table.sort_key]
    keys += [key for index in table.indexes for key in (index.partition_key, index.sort_key)]
    return [key for key in keys if key is not None]


NUMBER_KEYS = [
    pytest.param(table, key, id=f"{table.key}.{key.name}")
    for table in TABLES
    for key in dict.fromkeys(all_keys(table))
    if key.type is KeyType.NUMBER
]
INCLUDE_INDEXES = [
    pytest.param(table, index, id=f"{table.key}.{index.name}")
    for table in TABLES
    for index in table.indexes
    if index.projection
]


@pytest.mark.parametrize(("table", "key"), NUMBER_KEYS)
def test_number_key_attribute_is_declared_as_a_number(template, table, key):
    definitions = table_resource(template, table)["Properties"]["AttributeDefinitions"]
    assert {"AttributeName": key.name, "AttributeType": "N"} in definitions


@pytest.mark.parametrize(("table", "index"), INCLUDE_INDEXES)
def test_index_naming_attributes_projects_exactly_those_besides_the_keys(template, table, index):
    [resource] = [
        i
        for i in table_resource(template, table)["Properties"]["GlobalSecondaryIndexes"]
        if i["IndexName"] == index.name
    ]
    assert resource["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projection)}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_table_has_the_declared_global_secondary_indexes(template, table):
    expected = []
    for index in table.indexes:
        if index.projection is None:
            projection: dict[str, Any] = {"ProjectionType": "ALL"}
        elif not index.projection:
            projection = {"ProjectionType": "KEYS_ONLY"}
        else:
            projection = {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projection)}
        expected.append(
            {
                "IndexName": index.name,
                "KeySchema": key_schema(index.partition_key, index.sort_key),
                "Projection": projection,
            }
        )
    assert table_resource(template, table)["Properties"].get("GlobalSecondaryIndexes", []) == expected


def test_tables_bill_on_demand(template):
    for table in TABLES:
        assert table_resource(template, table)["Properties"]["BillingMode"] == "PAY_PER_REQUEST"


def test_tables_have_point_in_time_recovery(template):
    for table in TABLES:
        recovery = table_resource(template, table)["Properties"]["PointInTimeRecoverySpecification"]
        assert recovery == {"PointInTimeRecoveryEnabled": True}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_table_streams_new_and_old_images_only_when_declared(template, table):
    stream = table_resource(template, table)["Properties"].get("StreamSpecification")
    assert stream == ({"StreamViewType": "NEW_AND_OLD_IMAGES"} if table.stream else None)


# --- identity -------------------------------------------------------------------------------


def test_user_pool_password_policy_requires_only_the_declared_length(template):
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": USER_POOL.password_policy.min_length,
                    "RequireLowercase": False,
                    "RequireUppercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": False,
                }
            }
        },
    )


def test_user_pool_signs_in_by_case_insensitive_email(template):
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {"UsernameAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": False}},
    )


def test_user_pool_only_lets_the_api_create_users(template):
    template.has_resource_properties(
        "AWS::Cognito::UserPool", {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True}}
    )


def test_user_pool_recovers_accounts_by_email(template):
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {"AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}},
    )


def test_app_client_has_no_secret_and_allows_only_the_admin_password_flow_and_refresh(template):
    """No USER_PASSWORD_AUTH: a password sent to Cognito directly is refused; only the API's
    IAM-signed AdminInitiateAuth signs users in."""
    _, client = only(template.find_resources("AWS::Cognito::UserPoolClient"))
    properties = client["Properties"]
    assert properties["GenerateSecret"] is False
    assert sorted(properties["ExplicitAuthFlows"]) == [
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]


def test_user_pool_is_on_the_lite_feature_plan(template):
    template.has_resource_properties("AWS::Cognito::UserPool", {"UserPoolTier": "LITE"})


def test_app_client_hides_whether_a_user_exists(template):
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient", {"PreventUserExistenceErrors": "ENABLED"}
    )


def test_app_client_token_validities_follow_the_declaration(template):
    _, client = only(template.find_resources("AWS::Cognito::UserPoolClient"))
    properties = client["Properties"]
    minutes = {"minutes": 1, "hours": 60, "days": 24 * 60}
    units = properties["TokenValidityUnits"]
    assert (
        properties["AccessTokenValidity"] * minutes[units["AccessToken"]]
        == USER_POOL.access_token_validity_minutes
    )
    assert properties["IdTokenValidity"] * minutes[units["IdToken"]] == USER_POOL.id_token_validity_minutes
    assert (
        properties["RefreshTokenValidity"] * minutes[units["RefreshToken"]]
        == USER_POOL.refresh_token_validity_days * 24 * 60
    )


# --- API ------------------------------------------------------------------------------------


def test_api_is_an_http_api_with_an_auto_deployed_default_stage(template):
    template.resource_count_is("AWS::ApiGatewayV2::Api", 1)
    template.has_resource_properties("AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"})
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage", {"StageName": "$default", "AutoDeploy": True}
    )


def test_api_applies_the_shared_cors_policy(template):
    _, api = only(template.find_resources("AWS::ApiGatewayV2::Api"))
    cors = api["Properties"]["CorsConfiguration"]
    assert cors == {
        "AllowOrigins": list(CORS.allow_origins),
        "AllowHeaders": list(CORS.allow_headers),
        "AllowMethods": list(CORS.allow_methods),
        "MaxAge": CORS.max_age_seconds,
    }


def test_cors_allows_every_route_method(template):
    _, api = only(template.find_resources("AWS::ApiGatewayV2::Api"))
    assert {route.method for route in ROUTES} <= set(api["Properties"]["CorsConfiguration"]["AllowMethods"])


def test_default_stage_throttles_every_route_with_the_default_limits(template):
    _, stage = only(template.find_resources("AWS::ApiGatewayV2::Stage"))
    settings = stage["Properties"]["DefaultRouteSettings"]
    # The defaults docs/operations.md documents.
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (100, 200)
    # No route overrides the stage's limits.
    assert "RouteSettings" not in stage["Properties"]


def test_stage_throttling_comes_from_the_stage_context(configured_template):
    _, stage = only(configured_template.find_resources("AWS::ApiGatewayV2::Stage"))
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (
        int(CONFIGURED_CONTEXT["throttleRate"]),
        int(CONFIGURED_CONTEXT["throttleBurst"]),
    )


#: What every access-log line must carry, as the `$context` variable that gives it.
ACCESS_LOG_FIELDS = {
    "$context.requestId",
    "$context.routeKey",
    "$context.status",
    "$context.integrationLatency",
    "$context.responseLatency",
    "$context.identity.sourceIp",
    "$context.identity.userAgent",
}


def test_default_stage_writes_json_access_logs_with_the_request_facts(template):
    _, stage = only(template.find_resources("AWS::ApiGatewayV2::Stage"))
    log_format = json.loads(stage["Properties"]["AccessLogSettings"]["Format"])
    assert isinstance(log_format, dict)
    assert set(log_format.values()) >= ACCESS_LOG_FIELDS
    # Every value quoted: an empty variable must still give a valid JSON line.
    assert all(isinstance(value, str) for value in log_format.values())


def test_access_logs_go_to_a_log_group_of_the_stage_kept_one_month(template):
    group = template.find_resources("AWS::Logs::LogGroup")[access_log_group_id(template)]
    assert group["Properties"]["RetentionInDays"] == 30
    assert STAGE in group["Properties"]["LogGroupName"]
    assert group["DeletionPolicy"] == "Delete"


def test_outputs_give_the_api_base_url_pool_client_and_every_table(template):
    outputs = template.find_outputs("*")
    api_id, _ = only(template.find_resources("AWS::ApiGatewayV2::Api"))
    assert outputs["ApiUrl"]["Value"] == {"Fn::Join": ["", [{"Fn::GetAtt": [api_id, "ApiEndpoint"]}, "/api"]]}
    assert outputs["UserPoolId"]["Value"] == {"Ref": user_pool_id(template)}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": client_id(template)}
    table_outputs = [
        o["Value"] for o in outputs.values() if o["Value"] in [{"Ref": table_id(template, t)} for t in TABLES]
    ]
    assert len(table_outputs) == len(TABLES)
    topic_id, _ = only(template.find_resources("AWS::SNS::Topic"))
    dashboard_id, _ = only(template.find_resources("AWS::CloudWatch::Dashboard"))
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": topic_id}
    assert outputs["DashboardName"]["Value"] == {"Ref": dashboard_id}
    assert outputs["ApiAccessLogGroup"]["Value"] == {"Ref": access_log_group_id(template)}


# --- removal --------------------------------------------------------------------------------

STATEFUL = ("AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::SQS::Queue")


def test_developer_stage_deletes_its_tables_user_pool_and_queues_with_the_stack(template):
    for kind in STATEFUL:
        for resource in template.find_resources(kind).values():
            assert resource["DeletionPolicy"] == "Delete"
    for resource in template.find_resources("AWS::DynamoDB::Table").values():
        assert resource["Properties"]["DeletionProtectionEnabled"] is False


def test_retained_stage_keeps_its_tables_user_pool_and_queues(retained_template):
    for kind in STATEFUL:
        resources = retained_template.find_resources(kind).values()
        assert resources
        assert all(
            r["DeletionPolicy"] == "Retain" and r["UpdateReplacePolicy"] == "Retain" for r in resources
        )


def test_developer_stage_leaves_its_user_pool_unprotected(template):
    _, pool = only(template.find_resources("AWS::Cognito::UserPool"))
    assert pool["Properties"].get("DeletionProtection", "INACTIVE") == "INACTIVE"


def test_retained_stage_keeps_its_logs_and_alarm_key(retained_template):
    for kind in ("AWS::Logs::LogGroup", "AWS::KMS::Key"):
        resources = retained_template.find_resources(kind).values()
        assert resources
        assert all(r["DeletionPolicy"] == "Retain" for r in resources)


def test_retained_stage_protects_tables_and_user_pool_from_deletion(retained_template):
    for resource in retained_template.find_resources("AWS::DynamoDB::Table").values():
        assert resource["Properties"]["DeletionProtectionEnabled"] is True
    retained_template.has_resource_properties("AWS::Cognito::UserPool", {"DeletionProtection": "ACTIVE"})


def test_retained_stage_stack_has_termination_protection(retained_stack, stack):
    assert (retained_stack.termination_protection, stack.termination_protection) == (True, False)


# --- running on a restored table ------------------------------------------------------------

RESTORED = "conduit-dev-alice-articles-r1"
RESTORED_STREAM = f"arn:aws:dynamodb:us-east-1:123456789012:table/{RESTORED}/stream/2026-11-23T00:00:00.000"


@pytest.fixture(scope="module")
def restored_stack(synth):
    return synth(
        STAGE, **{"tableOverride.articles": RESTORED, "tableStreamOverride.articles": RESTORED_STREAM}
    )


@pytest.fixture(scope="module")
def restored_template(restored_stack):
    return Template.from_stack(restored_stack)


def test_overridden_table_is_referenced_not_created(restored_template):
    names = [
        t["Properties"]["TableName"]
        for t in restored_template.find_resources("AWS::DynamoDB::Table").values()
    ]
    assert sorted(names) == sorted(t.physical_name(STAGE) for t in TABLES if t is not ARTICLES)


def test_functions_use_the_overridden_table(restored_template):
    users = [r for r in ROUTES if ARTICLES in tables_used(r)]
    assert users
    for route in users:
        variables = function(restored_template, route.name)["Properties"]["Environment"]["Variables"]
        assert variables[ARTICLES.env_var] == RESTORED


def test_grants_and_stream_mapping_follow_the_overridden_table(restored_template):
    resources = json.dumps([s["Resource"] for s in all_statements(restored_template)])
    assert f"table/{RESTORED}" in resources
    mappings = restored_template.find_resources("AWS::Lambda::EventSourceMapping").values()
    assert RESTORED_STREAM in [m["Properties"]["EventSourceArn"] for m in mappings]


def test_overridden_table_is_flagged_as_not_managed_by_the_stack(restored_stack):
    Annotations.from_stack(restored_stack).has_warning(
        "*", Match.string_like_regexp("not managed by this stack")
    )
