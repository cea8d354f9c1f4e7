"""The CloudFront distribution of stages that ask for one (`prod`): what it caches and how, and
how it defends the stage (the WAF itself: test_infra_waf.py)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from conduit.caching import CACHE
from conduit.origin import ORIGIN_HEADER
from conduit.resources import ORIGIN_SECRET_ENV_VAR
from conduit.routes import ROUTES
from conduit.security_headers import SECURITY_HEADERS
from tests.infra.conftest import only


def distribution_config(template: Template) -> dict[str, Any]:
    _, distribution = only(template.find_resources("AWS::CloudFront::Distribution"))
    config: dict[str, Any] = distribution["Properties"]["DistributionConfig"]
    return config


def cache_policy(template: Template) -> dict[str, Any]:
    _, policy = only(template.find_resources("AWS::CloudFront::CachePolicy"))
    config: dict[str, Any] = policy["Properties"]["CachePolicyConfig"]
    return config


def test_a_stage_has_no_distribution_unless_it_asks_for_one(template: Template) -> None:
    assert template.find_resources("AWS::CloudFront::Distribution") == {}
    assert "ApiEndpoint" in str(template.to_json()["Outputs"]["ApiUrl"]["Value"])  # the HTTP API


def test_any_stage_can_ask_for_one(synth: Any) -> None:
    stack = synth("dev-edge", cdn="true")

    assert len(Template.from_stack(stack).find_resources("AWS::CloudFront::Distribution")) == 1


def test_prod_gets_a_distribution_and_its_api_url_points_at_it(prod_template: Template) -> None:
    outputs = prod_template.to_json()["Outputs"]

    assert "DomainName" in str(outputs["ApiUrl"]["Value"])  # the distribution
    assert "ApiEndpoint" in str(outputs["ApiOriginUrl"]["Value"])


def test_the_cache_key_holds_path_query_authorization_and_origin(prod_template: Template) -> None:
    key = cache_policy(prod_template)["ParametersInCacheKeyAndForwardedToOrigin"]

    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Authorization", "Origin"]}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}


def test_the_functions_cache_control_decides_and_no_store_is_honoured(prod_template: Template) -> None:
    policy = cache_policy(prod_template)

    assert (policy["MinTTL"], policy["DefaultTTL"]) == (0, 0)
    assert policy["MaxTTL"] == CACHE.shared_max_age_seconds


def test_every_method_reaches_the_api_and_only_reads_are_cached(prod_template: Template) -> None:
    behavior = distribution_config(prod_template)["DefaultCacheBehavior"]

    assert set(behavior["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert set(behavior["CachedMethods"]) == {"GET", "HEAD"}
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_origin_is_the_http_api_over_tls_without_the_viewers_host(prod_template: Template) -> None:
    config = distribution_config(prod_template)
    [origin] = config["Origins"]
    behavior = config["DefaultCacheBehavior"]

    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    # AllViewerExceptHostHeader, AWS's managed origin request policy
    assert behavior["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def test_with_snapstart_the_origin_is_still_the_http_api_whose_routes_invoke_the_alias(
    prod_stack: Any, prod_template: Template
) -> None:
    """prod has both: the distribution points at the HTTP API (not at a function or its `live`
    alias, which the API's integrations invoke: tests/infra/test_infra_cold_start.py)."""
    [origin] = distribution_config(prod_template)["Origins"]
    api_id = prod_stack.resolve(prod_stack.api.http_api.node.default_child.logical_id)

    assert (prod_stack.config.snap_start, prod_stack.config.cdn) == (True, True)
    assert origin["DomainName"] == {
        "Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": [api_id, "ApiEndpoint"]}]}]
    }


# --- the edge's defences: no way around it, the security headers, the region, a domain ------


def functions_environments(template: Template) -> dict[str, dict[str, Any]]:
    return {
        str(f["Properties"]["FunctionName"]): f["Properties"].get("Environment", {}).get("Variables", {})
        for f in template.find_resources("AWS::Lambda::Function").values()
    }


def secret_reference(template: Template) -> dict[str, Any]:
    secret_id, _ = only(template.find_resources("AWS::SecretsManager::Secret"))
    return {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:::}}"]]}


@pytest.fixture(scope="module")
def domain_edge_template(synth: Any) -> Template:
    return Template.from_stack(synth("dev-edom", cdn="true", **DOMAIN))


@pytest.fixture(scope="module")
def domain_template(synth: Any) -> Template:
    return Template.from_stack(synth("dev-dom", **DOMAIN))


DOMAIN = {
    "domainName": "api.example.com",
    "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    "hostedZoneName": "example.com",
}


def test_the_origin_secret_is_generated_at_deploy_never_written_down(prod_template: Template) -> None:
    _, secret = only(prod_template.find_resources("AWS::SecretsManager::Secret"))
    generated = secret["Properties"]["GenerateSecretString"]

    assert generated["PasswordLength"] >= 32
    assert generated["ExcludePunctuation"] is True  # a header value, as is
    assert "SecretString" not in secret["Properties"]


def test_cloudfront_sends_the_secret_to_the_api(prod_template: Template) -> None:
    [origin] = distribution_config(prod_template)["Origins"]

    assert origin["OriginCustomHeaders"] == [
        {"HeaderName": ORIGIN_HEADER, "HeaderValue": secret_reference(prod_template)}
    ]


def test_every_api_function_checks_it_and_nothing_else_gets_it(prod_template: Template) -> None:
    environments = functions_environments(prod_template)
    api_functions = {f"conduit-prod-{route.name}" for route in ROUTES}

    assert {name for name, env in environments.items() if ORIGIN_SECRET_ENV_VAR in env} == api_functions
    for name in api_functions:
        assert environments[name][ORIGIN_SECRET_ENV_VAR] == secret_reference(prod_template)


def test_a_stage_without_the_edge_has_no_secret_and_checks_nothing(template: Template) -> None:
    assert template.find_resources("AWS::SecretsManager::Secret") == {}
    assert all(ORIGIN_SECRET_ENV_VAR not in env for env in functions_environments(template).values())


def test_the_distribution_adds_the_security_headers_to_every_answer(prod_template: Template) -> None:
    policy_id, policy = only(prod_template.find_resources("AWS::CloudFront::ResponseHeadersPolicy"))
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    behavior = distribution_config(prod_template)["DefaultCacheBehavior"]

    assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    sent = {
        "Strict-Transport-Security": f"max-age={config['StrictTransportSecurity']['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if config["StrictTransportSecurity"]["IncludeSubdomains"] else ""),
        "X-Content-Type-Options": "nosniff" if config["ContentTypeOptions"] else "",
        "Referrer-Policy": config["ReferrerPolicy"]["ReferrerPolicy"],
        "Content-Security-Policy": config["ContentSecurityPolicy"]["ContentSecurityPolicy"],
    }
    assert sent == SECURITY_HEADERS
    assert all(header["Override"] for header in config.values())


def test_a_stage_with_the_edge_deploys_only_to_us_east_1(prod_template: Template) -> None:
    [rule] = [r for name, r in prod_template.to_json()["Rules"].items() if name.startswith("EdgeInUsEast1")]

    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}


def test_a_stage_without_the_edge_deploys_anywhere(template: Template) -> None:
    assert not any(name.startswith("EdgeInUsEast1") for name in template.to_json().get("Rules", {}))


def certificate(template: Template) -> tuple[str, dict[str, Any]]:
    certificate_id, found = only(template.find_resources("AWS::CertificateManager::Certificate"))
    properties: dict[str, Any] = found["Properties"]
    return certificate_id, properties


def alias_targets(template: Template) -> dict[str, Any]:
    return {
        record["Properties"]["Type"]: record["Properties"]
        for record in template.find_resources("AWS::Route53::RecordSet").values()
    }


def test_a_domain_gets_a_certificate_validated_in_its_hosted_zone(domain_edge_template: Template) -> None:
    _, properties = certificate(domain_edge_template)

    assert properties["DomainName"] == "api.example.com"
    assert properties["ValidationMethod"] == "DNS"
    assert properties["DomainValidationOptions"] == [
        {"DomainName": "api.example.com", "HostedZoneId": "Z0123456789ABCDEFGHIJ"}
    ]


def test_with_the_edge_the_domain_is_the_distribution_s_with_tls_1_2_at_least(
    domain_edge_template: Template,
) -> None:
    certificate_id, _ = certificate(domain_edge_template)
    config = distribution_config(domain_edge_template)
    distribution_id, _ = only(domain_edge_template.find_resources("AWS::CloudFront::Distribution"))

    assert config["Aliases"] == ["api.example.com"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": {"Ref": certificate_id},
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    records = alias_targets(domain_edge_template)
    assert set(records) == {"A", "AAAA"}
    for record in records.values():
        assert record["Name"] == "api.example.com."
        assert record["HostedZoneId"] == "Z0123456789ABCDEFGHIJ"
        assert record["AliasTarget"]["DNSName"] == {"Fn::GetAtt": [distribution_id, "DomainName"]}
    assert domain_edge_template.find_resources("AWS::ApiGatewayV2::DomainName") == {}
    assert domain_edge_template.to_json()["Outputs"]["ApiUrl"]["Value"] == "https://api.example.com/api"


def test_without_the_edge_the_domain_is_the_api_s_with_tls_1_2(domain_template: Template) -> None:
    certificate_id, _ = certificate(domain_template)
    domain_id, domain = only(domain_template.find_resources("AWS::ApiGatewayV2::DomainName"))
    _, mapping = only(domain_template.find_resources("AWS::ApiGatewayV2::ApiMapping"))

    assert domain["Properties"]["DomainName"] == "api.example.com"
    [configuration] = domain["Properties"]["DomainNameConfigurations"]
    assert configuration["SecurityPolicy"] == "TLS_1_2"
    assert configuration["CertificateArn"] == {"Ref": certificate_id}
    assert configuration["EndpointType"] == "REGIONAL"
    assert mapping["Properties"]["DomainName"] == {"Ref": domain_id}
    assert set(alias_targets(domain_template)) == {"A", "AAAA"}
    assert domain_template.find_resources("AWS::CloudFront::Distribution") == {}
    assert domain_template.to_json()["Outputs"]["ApiUrl"]["Value"] == "https://api.example.com/api"


def test_no_domain_no_certificate(prod_template: Template) -> None:
    assert prod_template.find_resources("AWS::CertificateManager::Certificate") == {}
    assert "ViewerCertificate" not in distribution_config(prod_template)
