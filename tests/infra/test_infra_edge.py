"""The CloudFront distribution of stages that ask for one (`prod`): what it caches and how."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from conduit.caching import CACHE
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
