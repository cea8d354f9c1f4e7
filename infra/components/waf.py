"""The WAF in front of a stage's CloudFront distribution: the edge takes the floods.

A web ACL of scope CLOUDFRONT (WAF attaches to CloudFront, not to HTTP APIs; CloudFormation
creates it only in us-east-1, which infra/components/edge.py requires), evaluated in order:
1. AWS's IP reputation list: hosts known for bots and attacks are blocked before anything
   counts them;
2. rate-based rules per client IP, tightest first (each counts only what its scope matches,
   over the stage's window, `WafLimits`): registration, login, the password routes, writes,
   then everything; over a limit the answer is 429 with `Retry-After` and the API's error shape;
3. AWS's known bad inputs (Log4j and other exploit patterns) and core rule set (OWASP-style
   injection and traversal), blocked with WAF's 403. Two core rules only count: a RealWorld
   article body is Markdown that may exceed 8 KB and may quote HTML, which
   `SizeRestrictions_BODY` and `CrossSiteScripting_BODY` would refuse; the API bounds bodies
   itself and answers JSON under a `default-src 'none'` policy.

Every rule publishes CloudWatch metrics and sampled requests (docs/operations.md, "The edge").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from conduit.security_headers import SECURITY_HEADERS
from infra.config import StageConfig, WafLimits

#: The managed rule groups, in the order they run (after the rate rules, but the first).
IP_REPUTATION = "AWSManagedRulesAmazonIpReputationList"
KNOWN_BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"
CORE_RULE_SET = "AWSManagedRulesCommonRuleSet"
MANAGED_RULE_GROUPS = (IP_REPUTATION, KNOWN_BAD_INPUTS, CORE_RULE_SET)
#: Core rules that only count (see the module docstring).
COUNTED_CORE_RULES = ("SizeRestrictions_BODY", "CrossSiteScripting_BODY")

#: What a client over a rate limit is told: the API's error shape (docs/api.md) and when to retry.
#: WAF re-evaluates every few seconds and lifts the block once the client's count over the
#: window falls under the limit, so a minute is a fair first wait; a client still over gets
#: another 429.
RATE_LIMITED_BODY_KEY = "rate-limited"
RATE_LIMITED_BODY = {"errors": {"rate": ["limit reached; try again later"]}}
RATE_LIMITED_RETRY_AFTER_SECONDS = 60

#: HTTP methods that change nothing: everything else is a write.
READ_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Endpoint:
    """A method and a path, matched exactly (API Gateway routes nothing else to it)."""

    method: str
    path: str


@dataclass(frozen=True)
class RateRule:
    """A rate-based rule: `limit` requests per client IP per window, on `scope` (None: all)."""

    name: str
    limit: int
    scope: tuple[Endpoint, ...] | None = None
    #: Scope: every request whose method is not one of these (the writes rule).
    not_methods: tuple[str, ...] = ()


def rate_rules(limits: WafLimits) -> tuple[RateRule, ...]:
    """The rate-based rules of a stage, tightest scope first."""
    return (
        RateRule("RateRegistration", limits.registration, (Endpoint("POST", "/api/users"),)),
        RateRule("RateLogin", limits.login, (Endpoint("POST", "/api/users/login"),)),
        RateRule(
            "RatePassword",
            limits.password,
            (
                Endpoint("POST", "/api/users/password/forgot"),
                Endpoint("POST", "/api/users/password/reset"),
                Endpoint("PUT", "/api/user"),
            ),
        ),
        RateRule("RateWrites", limits.writes, not_methods=READ_METHODS),
        RateRule("RateGeneral", limits.general),
    )


def rule_count(limits: WafLimits) -> int:
    """The web ACL's rules as WAF bills them (a managed rule group is one rule)."""
    return len(MANAGED_RULE_GROUPS) + len(rate_rules(limits))


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _exactly(field: wafv2.CfnWebACL.FieldToMatchProperty, value: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=field,
            positional_constraint="EXACTLY",
            search_string=value,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )


def _method(method: str) -> wafv2.CfnWebACL.StatementProperty:
    return _exactly(wafv2.CfnWebACL.FieldToMatchProperty(method={}), method)


def _endpoint(endpoint: Endpoint) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                _method(endpoint.method),
                _exactly(wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}), endpoint.path),
            ]
        )
    )


def _any(statements: Sequence[wafv2.CfnWebACL.StatementProperty]) -> wafv2.CfnWebACL.StatementProperty:
    if len(statements) == 1:
        return statements[0]
    return wafv2.CfnWebACL.StatementProperty(
        or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=list(statements))
    )


def _scope(rule: RateRule) -> wafv2.CfnWebACL.StatementProperty | None:
    if rule.scope is not None:
        return _any([_endpoint(e) for e in rule.scope])
    if rule.not_methods:
        return wafv2.CfnWebACL.StatementProperty(
            not_statement=wafv2.CfnWebACL.NotStatementProperty(
                statement=_any([_method(m) for m in rule.not_methods])
            )
        )
    return None


def _rate_limited() -> wafv2.CfnWebACL.RuleActionProperty:
    headers = {"Retry-After": str(RATE_LIMITED_RETRY_AFTER_SECONDS), **SECURITY_HEADERS}
    return wafv2.CfnWebACL.RuleActionProperty(
        block=wafv2.CfnWebACL.BlockActionProperty(
            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                response_code=429,
                custom_response_body_key=RATE_LIMITED_BODY_KEY,
                response_headers=[
                    wafv2.CfnWebACL.CustomHTTPHeaderProperty(name=name, value=value)
                    for name, value in headers.items()
                ],
            )
        )
    )


def _managed(name: str, priority: int, counted: Sequence[str] = ()) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in counted
                ]
                or None,
            )
        ),
        visibility_config=_visibility(name),
    )


class EdgeFirewall(Construct):
    """The web ACL; `arn` is what the distribution names (`webAclId`)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        limits = config.waf
        rules = [_managed(IP_REPUTATION, 0)]
        for rule in rate_rules(limits):
            rules.append(
                wafv2.CfnWebACL.RuleProperty(
                    name=rule.name,
                    priority=len(rules),
                    action=_rate_limited(),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP",
                            limit=rule.limit,
                            evaluation_window_sec=limits.window_seconds,
                            scope_down_statement=_scope(rule),
                        )
                    ),
                    visibility_config=_visibility(rule.name),
                )
            )
        rules.append(_managed(KNOWN_BAD_INPUTS, len(rules)))
        rules.append(_managed(CORE_RULE_SET, len(rules), counted=COUNTED_CORE_RULES))
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=config.resource_name("edge"),
            description=f"Conduit API edge of stage {config.stage}: managed rules, per-IP rate limits",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            custom_response_bodies={
                RATE_LIMITED_BODY_KEY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=json.dumps(RATE_LIMITED_BODY, separators=(",", ":")),
                )
            },
            rules=rules,
            visibility_config=_visibility(f"conduit-{config.stage}-edge"),
        )

    @property
    def arn(self) -> str:
        return self.web_acl.attr_arn
