"""Policy checks on the synthesized templates: cdk-nag's AWS Solutions pack and cfn-lint.

cdk-nag runs on every synth (see conftest and infra/checks.py); an unsuppressed finding would
also fail `cdk synth`. Each accepted finding is suppressed next to its resource, with a reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match, Template

NAG_FINDING = Match.string_like_regexp("AwsSolutions-.*")

#: Every rule the stack accepts, and why in one line (the full reason is next to the resource).
ACCEPTED_FINDINGS = {
    "AwsSolutions-APIG4": "no API Gateway authorizer: the spec's `Token` scheme is verified in the function",
    "AwsSolutions-CFR1": "a public API: no geographic restriction",
    "AwsSolutions-CFR3": "requests that reach the API are in its access log",
    "AwsSolutions-CFR4": "without a custom domain, CloudFront's default certificate sets no TLS minimum",
    "AwsSolutions-COG1": "the spec's only password rule is a length",
    "AwsSolutions-COG2": "RealWorld login has no MFA step",
    "AwsSolutions-COG3": "threat protection is off on this stage (on for prod)",
    "AwsSolutions-COG8": "the LITE plan where threat protection is off",
    "AwsSolutions-IAM4": "AWSLambdaBasicExecutionRole (logs only)",
    "AwsSolutions-IAM5": "X-Ray actions exist only on `*`",
    "AwsSolutions-L1": "python3.13 pinned with the dependency layer",
    "AwsSolutions-SMG4": "the origin secret is rotated by a deploy, CloudFront and functions together",
    "AwsSolutions-SQS3": "the queue is itself a dead-letter queue",
}

#: cfn-lint warnings accepted, by rule. W3005: CDK adds `DependsOn` on a function's role (so
#: the role's policy exists before the function is invoked) next to the `GetAtt` of the role.
ACCEPTED_CFN_LINT_WARNINGS = {"W3005"}
#: What the `cfn-lint` script runs; `python -m cfnlint` has no `__main__`.
CFN_LINT_MAIN = "import sys; from cfnlint.runner import main; sys.exit(main())"


#: A stage with the edge and a custom domain, and one with a domain and no edge.
DOMAIN = {
    "domainName": "api.example.com",
    "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    "hostedZoneName": "example.com",
}


@pytest.fixture(scope="module")
def domain_edge_stack(synth: Any) -> Any:
    return synth("dev-edom", cdn="true", **DOMAIN)


@pytest.fixture(scope="module")
def domain_stack(synth: Any) -> Any:
    return synth("dev-dom", **DOMAIN)


@pytest.fixture(params=["stack", "retained_stack", "prod_stack", "domain_edge_stack", "domain_stack"])
def any_stack(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


def test_aws_solutions_checks_find_no_unsuppressed_error(any_stack):
    errors = Annotations.from_stack(any_stack).find_error("*", NAG_FINDING)
    assert [(e.id, str(e.entry.data).splitlines()[0]) for e in errors] == []


def test_aws_solutions_checks_find_no_unsuppressed_warning(any_stack):
    warnings = Annotations.from_stack(any_stack).find_warning("*", NAG_FINDING)
    assert [(w.id, str(w.entry.data).splitlines()[0]) for w in warnings] == []


def suppressions(template: Template) -> list[dict[str, Any]]:
    return [
        rule
        for resource in template.to_json()["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]


def test_only_the_accepted_rules_are_suppressed(template, retained_template, prod_template):
    stages = (template, retained_template, prod_template)
    suppressed = {rule["id"] for t in stages for rule in suppressions(t)}
    assert suppressed == set(ACCEPTED_FINDINGS)


def suppressed_ids(template: Template) -> set[str]:
    return {rule["id"] for rule in suppressions(template)}


def test_with_a_waf_and_a_domain_cloudfront_s_rules_are_met_not_suppressed(domain_edge_stack, prod_template):
    """CFR2 (a WAF) holds on every distribution; CFR4 (a viewer TLS minimum) once it has a domain."""
    assert "AwsSolutions-CFR2" not in suppressed_ids(prod_template)
    assert "AwsSolutions-CFR4" in suppressed_ids(prod_template)  # CloudFront's own certificate
    assert not {"AwsSolutions-CFR2", "AwsSolutions-CFR4"} & suppressed_ids(
        Template.from_stack(domain_edge_stack)
    )


def test_where_threat_protection_is_on_cognito_s_rules_are_met_not_suppressed(template, prod_template):
    assert {"AwsSolutions-COG3", "AwsSolutions-COG8"} <= suppressed_ids(template)
    assert not {"AwsSolutions-COG3", "AwsSolutions-COG8"} & suppressed_ids(prod_template)


def test_every_suppression_is_explained(template, prod_template):
    for rule in suppressions(template) + suppressions(prod_template):
        assert len(rule["reason"]) >= 60, rule


def test_lambda_suppressions_name_exactly_what_they_accept(template):
    """IAM4 and IAM5 are accepted for one managed policy and the `*` of X-Ray, nothing wider."""
    for rule in suppressions(template):
        if rule["id"] == "AwsSolutions-IAM4":
            assert rule["applies_to"] == [
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ]
        if rule["id"] == "AwsSolutions-IAM5":
            assert rule["applies_to"] == ["Resource::*"]


def cfn_lint(templates: dict[str, Template], folder: Path) -> list[dict[str, Any]]:
    """cfn-lint's findings on the templates, written where the CLI reads them (one run for all)."""
    paths = []
    for name, template in templates.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(template.to_json(), indent=1), encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run(
        [sys.executable, "-c", CFN_LINT_MAIN, "--format", "json", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit codes are a bit mask of the levels found (2 error, 4 warning, 8 informational).
    assert result.returncode & ~(2 | 4 | 8) == 0, result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    return findings


def test_cfn_lint_finds_no_error_and_only_accepted_warnings(
    template, retained_template, prod_template, domain_edge_stack, domain_stack, tmp_path
):
    templates = {
        "dev": template,
        "retained": retained_template,
        "prod": prod_template,
        "domain-edge": Template.from_stack(domain_edge_stack),
        "domain": Template.from_stack(domain_stack),
    }
    findings = cfn_lint(templates, tmp_path)
    summary = sorted({(f["Level"], f["Rule"]["Id"], f["Message"]) for f in findings})
    assert [s for s in summary if s[0] == "Error"] == []
    assert {rule for level, rule, _ in summary if level == "Warning"} <= ACCEPTED_CFN_LINT_WARNINGS
