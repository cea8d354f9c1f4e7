"""A CloudFront distribution in front of the HTTP API, for stages with `cdn=true` (`prod`).

The edge is also where the stage is defended (docs/architecture.md, "The edge"):
- a WAF web ACL (infra/components/waf.py) inspects every request first;
- the API answers only what came through the distribution: CloudFront adds the stage's origin
  secret (`OriginSecret`, generated at deploy) as a header the functions check
  (`conduit.origin`);
- a response headers policy adds the security headers (`conduit.security_headers`) to every
  answer, API Gateway's and CloudFront's own included;
- with a custom domain (infra/components/domain.py), its certificate and TLS 1.2 at least.
WAF web ACLs for CloudFront, and CloudFront's certificates, exist only in us-east-1, so the
template refuses to deploy a stage with the edge anywhere else (`US_EAST_1`).

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

from aws_cdk import Aws, CfnRule, CfnRuleAssertion, Duration, Fn
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_secretsmanager as secretsmanager
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from conduit.caching import CACHE
from conduit.origin import ORIGIN_HEADER
from conduit.security_headers import CONTENT_SECURITY_POLICY, HSTS_MAX_AGE_SECONDS
from infra.components.domain import Domain
from infra.components.waf import EdgeFirewall
from infra.config import StageConfig

#: Headers that make answers differ, so they are part of the cache key (and forwarded).
CACHE_KEY_HEADERS = ("Authorization", "Origin")
#: The only region where CloudFront reads WAF web ACLs and certificates.
US_EAST_1 = "us-east-1"
#: Length of the generated origin secret: letters and digits, about 285 bits.
ORIGIN_SECRET_LENGTH = 48


class OriginSecret(Construct):
    """A random value made at deploy in Secrets Manager, never in code or in the template:
    CloudFront sends it to the API, whose functions get it in their environment."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=config.resource_name("origin-secret"),
            description=f"Conduit ({config.stage}): the header CloudFront sends and the API checks",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=ORIGIN_SECRET_LENGTH,
                exclude_punctuation=True,
                include_space=False,
            ),
        )
        NagSuppressions.add_resource_suppressions(
            self.secret,
            [
                NagPackSuppression(
                    id="AwsSolutions-SMG4",
                    reason="The origin secret is only proof that a request came through the "
                    "stage's distribution: it opens no data. Rotating it means updating "
                    "CloudFront and every function together, which a deploy does (docs/operations.md, "
                    "'Rotating the origin secret'); a rotation Lambda would do that half-way.",
                ),
            ],
        )

    @property
    def value(self) -> str:
        """A CloudFormation dynamic reference, resolved by CloudFormation at deploy."""
        return self.secret.secret_value.unsafe_unwrap()


class Edge(Construct):
    """The distribution; `base_url` is what frontends use in its presence."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        http_api: apigwv2.HttpApi,
        origin_secret: OriginSecret,
        domain: Domain | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        CfnRule(
            self,
            "InUsEast1",
            assertions=[
                CfnRuleAssertion(
                    assert_=Fn.condition_equals(Aws.REGION, US_EAST_1),
                    assert_description=f"A stage with the edge (cdn) deploys to {US_EAST_1}: CloudFront "
                    "reads WAF web ACLs and certificates only there (docs/operations.md).",
                )
            ],
        )
        self.firewall = EdgeFirewall(self, "Firewall", config=config)
        self.response_headers_policy = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=config.resource_name("security-headers"),
            comment="conduit.security_headers, on every answer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(HSTS_MAX_AGE_SECONDS),
                    include_subdomains=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                # REFERRER_POLICY (tests/infra/test_infra_edge.py holds them equal)
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=CONTENT_SECURITY_POLICY, override=True
                ),
            ),
        )
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
                    # Replaces a header of that name a viewer sends (conduit.origin).
                    custom_headers={ORIGIN_HEADER: origin_secret.value},
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=self.cache_policy,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=self.response_headers_policy,
                compress=True,
            ),
            web_acl_id=self.firewall.arn,
            domain_names=[domain.name] if domain else None,
            certificate=domain.certificate if domain else None,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        )
        accepted = [
            NagPackSuppression(
                id="AwsSolutions-CFR1",
                reason="A public RealWorld API serves readers everywhere: no geographic restriction.",
            ),
            NagPackSuppression(
                id="AwsSolutions-CFR3",
                reason="Every request that reaches the API is in its JSON access log; cache hits "
                "show in the distribution's CloudWatch metrics, WAF decisions in the web ACL's "
                "metrics and sampled requests. Access logs to S3 would need a bucket with ACLs "
                "only for this.",
            ),
        ]
        if domain is None:
            accepted.append(
                NagPackSuppression(
                    id="AwsSolutions-CFR4",
                    reason="Without a custom domain (`-c domainName=...`) the distribution uses "
                    "CloudFront's default certificate, with which CloudFront cannot enforce a "
                    "minimum viewer TLS version; with one, TLSv1.2_2021 applies.",
                )
            )
        NagSuppressions.add_resource_suppressions(self.distribution, accepted)
        self.domain = domain
        if domain is not None:
            domain.serve_distribution(self.distribution)

    @property
    def base_url(self) -> str:
        """What a RealWorld frontend is configured with: the custom domain or the distribution,
        plus `/api`."""
        if self.domain is not None:
            return self.domain.base_url
        return f"https://{self.distribution.distribution_domain_name}/api"
