"""USD per million requests of a stated request mix, from bench/pricing.json.

Lambda bills GB-seconds of duration rounded up to the millisecond; locally measured handler
time is added to assumed service latencies per round trip (the emulator's own latency says
nothing about DynamoDB's), so the inputs are all in the report beside the result.

A stage with SnapStart (prod, infra/config.py) pays differently for cold starts: each is a
restore, billed per GB restored, instead of an init billed by its duration; and each function's
cached snapshot is billed per GB-second all month, traffic or not (`snapstart_cache_per_month`).
A stage without it (every personal stage) costs nothing while idle.

A stage with the edge also pays the WAF: a fee per request it inspects (every request that
reaches CloudFront, cache hits included: `edge_mix_usd_per_million`) and a monthly fee for the
web ACL and each of its rules (`waf_per_month`). Threat protection (prod) is Cognito's PLUS
plan, priced per monthly active user instead of LITE's (`cognito_per_month`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICING_FILE = Path(__file__).resolve().parent / "pricing.json"


@dataclass(frozen=True)
class Pricing:
    date: str
    api_gateway_per_million: float
    lambda_gb_second: float
    lambda_per_million: float
    read_unit_per_million: float
    write_unit_per_million: float
    cloudfront_per_million: float
    dynamodb_round_trip_ms: float
    cognito_round_trip_ms: float
    cold_start_fraction: float
    edge_anonymous_share: float
    edge_hit_ratio: float
    snapstart_cache_gb_second: float = 0.0
    snapstart_restore_per_gb: float = 0.0
    seconds_per_month: int = 30 * 24 * 3600
    waf_per_million: float = 0.0
    waf_web_acl_per_month: float = 0.0
    waf_rule_per_month: float = 0.0
    cognito_lite_per_mau: float = 0.0
    cognito_lite_free_mau: int = 0
    cognito_plus_per_mau: float = 0.0
    #: The monthly active users the report prices Cognito for.
    monthly_active_users: int = 0

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Pricing:
        assumptions = document["assumptions"]
        return cls(
            date=str(document["date"]),
            api_gateway_per_million=float(document["api_gateway_http_per_million_requests"]),
            lambda_gb_second=float(document["lambda_arm64_per_gb_second"]),
            lambda_per_million=float(document["lambda_per_million_requests"]),
            read_unit_per_million=float(document["dynamodb_on_demand_per_million_read_request_units"]),
            write_unit_per_million=float(document["dynamodb_on_demand_per_million_write_request_units"]),
            cloudfront_per_million=float(document["cloudfront_https_per_million_requests"]),
            dynamodb_round_trip_ms=float(assumptions["dynamodb_round_trip_ms"]),
            cognito_round_trip_ms=float(assumptions["cognito_round_trip_ms"]),
            cold_start_fraction=float(assumptions["cold_start_fraction"]),
            edge_anonymous_share=float(assumptions["edge_anonymous_share"]),
            edge_hit_ratio=float(assumptions["edge_hit_ratio"]),
            snapstart_cache_gb_second=float(document["lambda_snapstart_cache_per_gb_second"]),
            snapstart_restore_per_gb=float(document["lambda_snapstart_restore_per_gb"]),
            seconds_per_month=int(assumptions["seconds_per_month"]),
            waf_per_million=float(document["waf_per_million_requests"]),
            waf_web_acl_per_month=float(document["waf_web_acl_per_month"]),
            waf_rule_per_month=float(document["waf_rule_per_month"]),
            cognito_lite_per_mau=float(document["cognito_lite_per_mau"]),
            cognito_lite_free_mau=int(document["cognito_lite_free_mau"]),
            cognito_plus_per_mau=float(document["cognito_plus_per_mau"]),
            monthly_active_users=int(assumptions["monthly_active_users"]),
        )


def load_pricing(path: Path = PRICING_FILE) -> Pricing:
    return Pricing.from_document(json.loads(path.read_text()))


@dataclass(frozen=True)
class EndpointCost:
    """What one request of an endpoint uses, as measured."""

    memory_mb: int
    handler_ms: float  # time in the handler outside AWS calls
    dynamodb_round_trips: int
    cognito_round_trips: int
    read_units: float
    write_units: float
    init_ms: float = 0.0


def duration_ms(cost: EndpointCost, pricing: Pricing) -> float:
    """Billed duration of one warm invocation: rounded up to 1 ms."""
    raw = (
        cost.handler_ms
        + cost.dynamodb_round_trips * pricing.dynamodb_round_trip_ms
        + cost.cognito_round_trips * pricing.cognito_round_trip_ms
    )
    return float(math.ceil(raw))


def usd_per_million(cost: EndpointCost, pricing: Pricing, snap_start: bool = False) -> dict[str, float]:
    """Each component's USD for one million requests of this endpoint; with `snap_start`, its
    cold starts are restores (billed per GB) rather than inits (billed by duration)."""
    gb = cost.memory_mb / 1024
    cold_init_ms = 0.0 if snap_start else pricing.cold_start_fraction * cost.init_ms
    seconds = (duration_ms(cost, pricing) + cold_init_ms) / 1000
    parts = {
        "api_gateway": pricing.api_gateway_per_million,
        "lambda_requests": pricing.lambda_per_million,
        "lambda_duration": gb * seconds * pricing.lambda_gb_second * 1_000_000,
        "dynamodb_reads": cost.read_units * pricing.read_unit_per_million,
        "dynamodb_writes": cost.write_units * pricing.write_unit_per_million,
    }
    if snap_start:
        parts["snapstart_restores"] = (
            pricing.cold_start_fraction * 1_000_000 * gb * pricing.snapstart_restore_per_gb
        )
    parts["total"] = sum(parts.values())
    return parts


def mix_usd_per_million(
    mix: dict[str, float], costs: dict[str, EndpointCost], pricing: Pricing, snap_start: bool = False
) -> dict[str, float]:
    """USD per million requests of a mix (weights need not sum to 1; they are normalised)."""
    weight_sum = sum(mix.values())
    if weight_sum <= 0:
        raise ValueError("a mix needs a positive weight")
    totals: dict[str, float] = {}
    for name, weight in mix.items():
        for part, usd in usd_per_million(costs[name], pricing, snap_start).items():
            totals[part] = totals.get(part, 0.0) + usd * weight / weight_sum
    return totals


def snapstart_cache_per_month(memory_mb: list[int], pricing: Pricing, snap_start: bool) -> float:
    """USD a stage pays each month, with no traffic at all, for its functions' cached snapshots
    (one published version each: replaced versions are deleted, infra/components/runtime.py)."""
    if not snap_start:
        return 0.0
    gb = sum(memory_mb) / 1024
    return gb * pricing.seconds_per_month * pricing.snapstart_cache_gb_second


def edge_mix_usd_per_million(
    mix: dict[str, float],
    costs: dict[str, EndpointCost],
    pricing: Pricing,
    cacheable: set[str],
    anonymous_share: float | None = None,
    hit_ratio: float | None = None,
    snap_start: bool = False,
) -> dict[str, float]:
    """The same mix behind the CDN: every request pays its request fee, and of the `cacheable`
    routes' requests the anonymous share is answered from the cache at the hit ratio, costing
    nothing at the origin (`snap_start` as in `mix_usd_per_million`)."""
    share = pricing.edge_anonymous_share if anonymous_share is None else anonymous_share
    hits = pricing.edge_hit_ratio if hit_ratio is None else hit_ratio
    served = {
        name: weight * (1 - share * hits) if name in cacheable else weight for name, weight in mix.items()
    }
    origin = mix_usd_per_million(served, costs, pricing, snap_start)
    scale = sum(served.values()) / sum(mix.values())  # the origin sees this share of requests
    totals = {part: usd * scale for part, usd in origin.items() if part != "total"}
    totals["cloudfront_requests"] = pricing.cloudfront_per_million
    # The WAF inspects every request before CloudFront looks in its cache.
    totals["waf_requests"] = pricing.waf_per_million
    totals["total"] = sum(totals.values())
    return totals


def waf_per_month(rules: int, pricing: Pricing) -> float:
    """USD a stage with the edge pays each month, traffic or not, for its web ACL and its
    `rules` (a managed rule group counts as one rule; the baseline groups have no fee of their
    own)."""
    return pricing.waf_web_acl_per_month + rules * pricing.waf_rule_per_month


def cognito_per_month(monthly_active_users: int, pricing: Pricing, threat_protection: bool) -> float:
    """USD the user pool costs a month: LITE past its free users, or PLUS (threat protection),
    which has no free tier, for every active user."""
    if threat_protection:
        return monthly_active_users * pricing.cognito_plus_per_mau
    return max(0, monthly_active_users - pricing.cognito_lite_free_mau) * pricing.cognito_lite_per_mau
