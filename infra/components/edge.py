"""A CloudFront distribution in front of the HTTP API, for stages with `cdn=true` (`prod`).

It caches what the functions say may be cached (`conduit.caching`: anonymous reads are
`public` for seconds, anything sent with a token `private, no-store`) and nothing else:
- the cache key holds the path, every query string, `Authorization` and `Origin`: a request
  with a token never matches an anonymous copy (and its answer is never stored anyway), and
  CORS answers are kept per origin;
- the minimum TTL is 0, so CloudFront honours `no-store` and `private`; the maximum is the
  functions' own `s-maxage`, so a copy is never kept longer than they allow;
- every method is passed to the origin (API Gateway answers preflights itself), with every
  viewer header but `Host` (the HTTP API routes on its own host name).
"""

from __future__ import annotations

from aws_cdk import Duration, Fn
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from conduit.caching import CACHE
from infra.config import StageConfig

#: Headers that make answers differ, so they are part of the cache key (and forwarded).
CACHE_KEY_HEADERS = ("Authorization", "Origin")


class Edge(Construct):
    """The distribution; `base_url` is what frontends use in its presence."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, http_api: apigwv2.HttpApi
    ) -> None:
        super().__init__(scope, construct_id)
        # https://<id>.execute-api.<region>.amazonaws.com -> the host name
        api_host = Fn.select(2, Fn.split("/", http_api.api_endpoint))
        self.cache_policy = cloudfront.CachePolicy(
            self,
            "CachePolicy",
            cache_policy_name=config.resource_name("api-cache"),
            comment="Anonymous reads, as long as the functions' Cache-Control allows",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(CACHE.shared_max_age_seconds),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list(*CACHE_KEY_HEADERS),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Conduit API ({config.stage})",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.HttpOrigin(
                    api_host,
                    protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                    origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=self.cache_policy,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                compress=True,
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        )
        NagSuppressions.add_resource_suppressions(
            self.distribution,
            [
                NagPackSuppression(
                    id="AwsSolutions-CFR1",
                    reason="A public RealWorld API serves readers everywhere: no geographic restriction.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-CFR2",
                    reason="Rate limits are the HTTP API's stage throttling (throttleRate/throttleBurst); "
                    "a WAF web ACL would add a per-request charge for no rule we need yet.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-CFR3",
                    reason="Every request that reaches the API is in its JSON access log; cache hits "
                    "show in the distribution's CloudWatch metrics. Access logs to S3 would need a "
                    "bucket with ACLs only for this.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-CFR4",
                    reason="The distribution uses CloudFront's default certificate (no custom domain), "
                    "with which CloudFront cannot enforce a minimum viewer TLS version.",
                ),
            ],
        )

    @property
    def base_url(self) -> str:
        """What a RealWorld frontend is configured with: the distribution plus `/api`."""
        return f"https://{self.distribution.distribution_domain_name}/api"
