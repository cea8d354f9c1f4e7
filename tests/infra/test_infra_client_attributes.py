"""The app client lets a user's own token write no standard Cognito attribute (issue 17): a
token cannot change its email around the API with UpdateUserAttributes."""

from __future__ import annotations

from aws_cdk.assertions import Template

from conduit.resources import USER_POOL
from tests.infra.conftest import only


def test_the_app_client_writes_one_custom_attribute_and_no_standard_one(template: Template) -> None:
    _, client = only(template.find_resources("AWS::Cognito::UserPoolClient"))
    written = client["Properties"].get("WriteAttributes")

    # Absent or empty, Cognito would let a token write every standard attribute.
    assert written
    assert written == USER_POOL.client_write_attributes
    assert all(name.startswith("custom:") for name in written)


def test_the_attribute_the_client_may_write_is_declared_by_the_pool(template: Template) -> None:
    _, pool = only(template.find_resources("AWS::Cognito::UserPool"))
    declared = {attribute["Name"]: attribute for attribute in pool["Properties"]["Schema"]}

    attribute = declared[USER_POOL.client_writable_attribute]
    assert attribute["Mutable"] is True  # a client cannot be given an immutable one
    assert attribute["AttributeDataType"] == "String"
