"""Cognito threat protection: the PLUS feature plan, a stage setting, on for prod only."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from tests.infra.conftest import Synth, only


def user_pool(template: Template) -> dict[str, Any]:
    _, pool = only(template.find_resources("AWS::Cognito::UserPool"))
    properties: dict[str, Any] = pool["Properties"]
    return properties


def test_prod_is_on_the_plus_plan_with_threat_protection_enforced(prod_template: Template) -> None:
    pool = user_pool(prod_template)

    assert pool["UserPoolTier"] == "PLUS"
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}


def test_prod_blocks_sign_ins_and_password_changes_with_breached_passwords(prod_template: Template) -> None:
    _, attachment = only(prod_template.find_resources("AWS::Cognito::UserPoolRiskConfigurationAttachment"))
    properties = attachment["Properties"]

    assert properties["ClientId"] == "ALL"
    assert properties["CompromisedCredentialsRiskConfiguration"] == {
        "Actions": {"EventAction": "BLOCK"},
        "EventFilter": ["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"],
    }


def test_other_stages_are_on_lite_without_it(template: Template) -> None:
    pool = user_pool(template)

    assert pool["UserPoolTier"] == "LITE"
    assert "UserPoolAddOns" not in pool
    assert template.find_resources("AWS::Cognito::UserPoolRiskConfigurationAttachment") == {}


def test_any_stage_can_turn_it_on(synth: Synth) -> None:
    pool = user_pool(Template.from_stack(synth("dev-tp", threatProtection="true")))

    assert pool["UserPoolTier"] == "PLUS"
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
