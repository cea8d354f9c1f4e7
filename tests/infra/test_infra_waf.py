"""The WAF of stages with the edge: its managed rules, its rate limits (from the stage settings)
and its place in front of the distribution."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from conduit.security_headers import SECURITY_HEADERS
from infra.config import WafLimits
from tests.infra.conftest import Synth, only

#: The settings of the `tuned` stage, every limit away from its default.
TUNED = {
    "wafWindowSeconds": "60",
    "wafRateLimit": "500",
    "wafWriteLimit": "200",
    "wafRegistrationLimit": "11",
    "wafLoginLimit": "12",
    "wafPasswordLimit": "13",
}


def web_acl(template: Template) -> dict[str, Any]:
    _, acl = only(template.find_resources("AWS::WAFv2::WebACL"))
    properties: dict[str, Any] = acl["Properties"]
    return properties


def rules(template: Template) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in web_acl(template)["Rules"]}


def rate(rule: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = rule["Statement"]["RateBasedStatement"]
    return statement


def byte_matches(statement: Any) -> list[tuple[str, str]]:
    """Every (field, value) a statement matches exactly, however nested."""
    found: list[tuple[str, str]] = []
    if isinstance(statement, dict):
        match = statement.get("ByteMatchStatement")
        if match is not None:
            assert match["PositionalConstraint"] == "EXACTLY"
            found.append((next(iter(match["FieldToMatch"])), match["SearchString"]))
        for value in statement.values():
            found += byte_matches(value)
    elif isinstance(statement, list):
        for value in statement:
            found += byte_matches(value)
    return found


@pytest.fixture(scope="module")
def tuned_template(synth: Synth) -> Template:
    return Template.from_stack(synth("dev-waf", cdn="true", **TUNED))


def test_a_stage_without_the_edge_has_no_waf(template: Template) -> None:
    assert template.find_resources("AWS::WAFv2::WebACL") == {}


def test_the_web_acl_is_for_cloudfront_and_allows_what_no_rule_blocks(prod_template: Template) -> None:
    acl = web_acl(prod_template)

    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}


def test_the_distribution_is_behind_the_web_acl(prod_template: Template) -> None:
    acl_id, _ = only(prod_template.find_resources("AWS::WAFv2::WebACL"))
    _, distribution = only(prod_template.find_resources("AWS::CloudFront::Distribution"))

    assert distribution["Properties"]["DistributionConfig"]["WebACLId"] == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_the_rules_run_in_order_reputation_then_limits_then_inputs(prod_template: Template) -> None:
    ordered = sorted(web_acl(prod_template)["Rules"], key=lambda rule: rule["Priority"])

    assert [rule["Name"] for rule in ordered] == [
        "AWSManagedRulesAmazonIpReputationList",
        "RateRegistration",
        "RateLogin",
        "RatePassword",
        "RateWrites",
        "RateGeneral",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesCommonRuleSet",
    ]
    assert [rule["Priority"] for rule in ordered] == list(range(len(ordered)))


@pytest.mark.parametrize(
    "group",
    [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesCommonRuleSet",
    ],
)
def test_aws_managed_rule_groups_block(prod_template: Template, group: str) -> None:
    rule = rules(prod_template)[group]

    assert rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
    assert rule["Statement"]["ManagedRuleGroupStatement"]["Name"] == group
    assert rule["OverrideAction"] == {"None": {}}  # the group's own actions: block


def test_only_the_core_rules_an_article_trips_only_count(prod_template: Template) -> None:
    """Markdown bodies over 8 KB, or quoting HTML, are articles, not attacks."""
    statement = rules(prod_template)["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]

    assert statement["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}},
        {"Name": "CrossSiteScripting_BODY", "ActionToUse": {"Count": {}}},
    ]
    assert (
        "RuleActionOverrides"
        not in rules(prod_template)["AWSManagedRulesKnownBadInputsRuleSet"]["Statement"][
            "ManagedRuleGroupStatement"
        ]
    )


def test_the_default_limits_per_ip_and_window(prod_template: Template) -> None:
    defaults = WafLimits()
    found = rules(prod_template)

    assert {name: rate(found[name])["Limit"] for name in found if name.startswith("Rate")} == {
        "RateRegistration": defaults.registration,
        "RateLogin": defaults.login,
        "RatePassword": defaults.password,
        "RateWrites": defaults.writes,
        "RateGeneral": defaults.general,
    }
    assert {rate(found[name])["EvaluationWindowSec"] for name in found if name.startswith("Rate")} == {300}
    assert {rate(found[name])["AggregateKeyType"] for name in found if name.startswith("Rate")} == {"IP"}


def test_the_limits_are_stage_settings(tuned_template: Template) -> None:
    found = rules(tuned_template)

    assert {name: rate(found[name])["Limit"] for name in found if name.startswith("Rate")} == {
        "RateRegistration": 11,
        "RateLogin": 12,
        "RatePassword": 13,
        "RateWrites": 200,
        "RateGeneral": 500,
    }
    assert {rate(found[name])["EvaluationWindowSec"] for name in found if name.startswith("Rate")} == {60}


def test_registration_and_login_are_limited_on_their_own_routes(prod_template: Template) -> None:
    found = rules(prod_template)

    assert sorted(byte_matches(rate(found["RateRegistration"])["ScopeDownStatement"])) == [
        ("Method", "POST"),
        ("UriPath", "/api/users"),
    ]
    assert sorted(byte_matches(rate(found["RateLogin"])["ScopeDownStatement"])) == [
        ("Method", "POST"),
        ("UriPath", "/api/users/login"),
    ]


def test_the_password_routes_share_a_limit(prod_template: Template) -> None:
    scope = rate(rules(prod_template)["RatePassword"])["ScopeDownStatement"]
    endpoints = [
        (match["AndStatement"]["Statements"][0], match["AndStatement"]["Statements"][1])
        for match in scope["OrStatement"]["Statements"]
    ]

    assert [(byte_matches(m)[0][1], byte_matches(p)[0][1]) for m, p in endpoints] == [
        ("POST", "/api/users/password/forgot"),
        ("POST", "/api/users/password/reset"),
        ("PUT", "/api/user"),
    ]


def test_writes_are_every_method_but_get_head_and_options(prod_template: Template) -> None:
    scope = rate(rules(prod_template)["RateWrites"])["ScopeDownStatement"]

    assert list(scope) == ["NotStatement"]
    assert sorted(byte_matches(scope)) == [("Method", "GET"), ("Method", "HEAD"), ("Method", "OPTIONS")]


def test_the_general_limit_counts_everything(prod_template: Template) -> None:
    assert "ScopeDownStatement" not in rate(rules(prod_template)["RateGeneral"])


def test_over_a_limit_the_answer_is_a_429_in_the_api_s_shape_with_retry_after(
    prod_template: Template,
) -> None:
    acl = web_acl(prod_template)
    for name, rule in rules(prod_template).items():
        if not name.startswith("Rate"):
            continue
        response = rule["Action"]["Block"]["CustomResponse"]
        headers = {h["Name"]: h["Value"] for h in response["ResponseHeaders"]}

        assert response["ResponseCode"] == 429
        assert headers == {"Retry-After": "60", **SECURITY_HEADERS}
        body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
        assert body["ContentType"] == "APPLICATION_JSON"
        assert json.loads(body["Content"]) == {"errors": {"rate": ["limit reached; try again later"]}}


def test_every_rule_reports_metrics_and_samples(prod_template: Template) -> None:
    acl = web_acl(prod_template)
    configs = [acl["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in acl["Rules"])]

    assert all(c["CloudWatchMetricsEnabled"] and c["SampledRequestsEnabled"] for c in configs)
    assert len({c["MetricName"] for c in configs}) == len(configs)
