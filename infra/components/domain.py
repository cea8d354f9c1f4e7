"""A stage's own host name (`-c domainName=...`): a certificate validated by DNS and the records
that point the name at what serves the API.

The hosted zone is the account's, named by two settings (`hostedZoneId`, `hostedZoneName`): it
is imported, not looked up, so a synth stays offline. ACM validates the certificate with a
record it writes in that zone, so a deploy waits for DNS (minutes) the first time.
- With the edge, the name is the distribution's (alias records to CloudFront), and so is the
  certificate, which CloudFront reads only from us-east-1: the stack requires that region for
  such stages (infra/components/edge.py). Viewers get TLS 1.2 at least (TLSv1.2_2021).
- Without it, the name is a regional API Gateway custom domain with TLS 1.2 at least
  (SecurityPolicy TLS_1_2), mapped to the HTTP API's `$default` stage, certificate in the
  stack's region.
"""

from __future__ import annotations

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct

from infra.config import CustomDomain


class Domain(Construct):
    """The certificate of `domain`; `serve_distribution` or `serve_api` adds its records."""

    def __init__(self, scope: Construct, construct_id: str, *, domain: CustomDomain) -> None:
        super().__init__(scope, construct_id)
        self.name = domain.name
        self.zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=domain.hosted_zone_id, zone_name=domain.hosted_zone_name
        )
        self.certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=domain.name,
            validation=acm.CertificateValidation.from_dns(self.zone),
        )

    @property
    def base_url(self) -> str:
        """What a RealWorld frontend is configured with on this name."""
        return f"https://{self.name}/api"

    def serve_distribution(self, distribution: cloudfront.IDistribution) -> None:
        """Point the name at the distribution (IPv4 and IPv6)."""
        target = route53.RecordTarget.from_alias(targets.CloudFrontTarget(distribution))
        self._records(target)

    def serve_api(self, http_api: apigwv2.HttpApi, stage: apigwv2.IStage) -> apigwv2.DomainName:
        """Make the name a regional custom domain of the HTTP API's stage and point it there."""
        custom = apigwv2.DomainName(
            self,
            "ApiDomainName",
            domain_name=self.name,
            certificate=self.certificate,
            security_policy=apigwv2.SecurityPolicy.TLS_1_2,
            ip_address_type=apigwv2.IpAddressType.DUAL_STACK,  # the AAAA record has an answer
        )
        apigwv2.ApiMapping(self, "ApiMapping", api=http_api, domain_name=custom, stage=stage)
        target = route53.RecordTarget.from_alias(
            targets.ApiGatewayv2DomainProperties(custom.regional_domain_name, custom.regional_hosted_zone_id)
        )
        self._records(target)
        return custom

    def _records(self, target: route53.RecordTarget) -> None:
        route53.ARecord(self, "AliasA", zone=self.zone, record_name=self.name, target=target)
        route53.AaaaRecord(self, "AliasAAAA", zone=self.zone, record_name=self.name, target=target)
