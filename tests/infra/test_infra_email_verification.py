"""The pool verifies emails with a code, and keeps the original email until a new one is
verified (issue 17): the local stack's pool is provisioned the same way (local/provision.py)."""

from __future__ import annotations

from aws_cdk.assertions import Template

from tests.infra.conftest import only


def test_the_pool_sends_a_code_to_verify_an_email(template: Template) -> None:
    _, pool = only(template.find_resources("AWS::Cognito::UserPool"))

    assert pool["Properties"]["AutoVerifiedAttributes"] == ["email"]


def test_the_pool_keeps_the_original_email_until_a_new_one_is_verified(template: Template) -> None:
    _, pool = only(template.find_resources("AWS::Cognito::UserPool"))

    settings = pool["Properties"]["UserAttributeUpdateSettings"]
    assert settings == {"AttributesRequireVerificationBeforeUpdate": ["email"]}


def test_password_reset_codes_go_to_a_verified_email_only(template: Template) -> None:
    _, pool = only(template.find_resources("AWS::Cognito::UserPool"))

    mechanisms = pool["Properties"]["AccountRecoverySetting"]["RecoveryMechanisms"]
    assert mechanisms == [{"Name": "verified_email", "Priority": 1}]
