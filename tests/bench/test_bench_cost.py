"""The cost model's arithmetic, on round prices so the expected figures can be read off."""

from __future__ import annotations

import json

import pytest

from bench import cost

PRICING = cost.Pricing(
    date="test",
    api_gateway_per_million=1.0,
    lambda_gb_second=0.00001,
    lambda_per_million=0.2,
    read_unit_per_million=0.25,
    write_unit_per_million=1.25,
    cloudfront_per_million=1.0,
    dynamodb_round_trip_ms=5.0,
    cognito_round_trip_ms=50.0,
    cold_start_fraction=0.0,
    edge_anonymous_share=0.5,
    edge_hit_ratio=0.8,
)


def endpoint(
    memory_mb: int = 1024,
    cognito_round_trips: int = 0,
    read_units: float = 4.0,
    write_units: float = 0.0,
    init_ms: float = 0.0,
) -> cost.EndpointCost:
    return cost.EndpointCost(
        memory_mb=memory_mb,
        handler_ms=2.2,
        dynamodb_round_trips=2,
        cognito_round_trips=cognito_round_trips,
        read_units=read_units,
        write_units=write_units,
        init_ms=init_ms,
    )


def test_duration_adds_round_trips_and_rounds_up_to_the_millisecond():
    assert cost.duration_ms(endpoint(), PRICING) == 13  # 2.2 + 2 x 5 -> 12.2 -> 13
    assert cost.duration_ms(endpoint(cognito_round_trips=1), PRICING) == 63


def test_usd_per_million_by_component():
    parts = cost.usd_per_million(endpoint(write_units=2.0), PRICING)

    assert parts["api_gateway"] == 1.0
    assert parts["lambda_requests"] == 0.2
    assert parts["lambda_duration"] == pytest.approx(1 * 0.013 * 0.00001 * 1e6)  # 1 GB x 13 ms
    assert parts["dynamodb_reads"] == pytest.approx(1.0)
    assert parts["dynamodb_writes"] == pytest.approx(2.5)
    assert parts["total"] == pytest.approx(1.0 + 0.2 + 0.13 + 1.0 + 2.5)


def test_memory_scales_duration_cost():
    half = cost.usd_per_million(endpoint(memory_mb=512), PRICING)["lambda_duration"]
    full = cost.usd_per_million(endpoint(memory_mb=1024), PRICING)["lambda_duration"]

    assert half == pytest.approx(full / 2)


def test_cold_starts_add_their_init_time_at_the_stated_fraction():
    pricing = cost.Pricing(**{**PRICING.__dict__, "cold_start_fraction": 0.5})
    warm = cost.usd_per_million(endpoint(init_ms=0.0), pricing)["lambda_duration"]
    cold = cost.usd_per_million(endpoint(init_ms=1000.0), pricing)["lambda_duration"]

    assert cold - warm == pytest.approx(1 * 0.5 * 0.00001 * 1e6)


def test_a_mix_is_the_weighted_mean_of_its_endpoints():
    costs = {"read": endpoint(read_units=4.0), "write": endpoint(read_units=0.0, write_units=4.0)}

    mix = cost.mix_usd_per_million({"read": 3, "write": 1}, costs, PRICING)

    assert mix["dynamodb_reads"] == pytest.approx(0.75)
    assert mix["dynamodb_writes"] == pytest.approx(1.25)
    assert mix["api_gateway"] == pytest.approx(1.0)


def test_a_mix_needs_weight():
    with pytest.raises(ValueError, match="positive"):
        cost.mix_usd_per_million({"read": 0}, {"read": endpoint()}, PRICING)


def test_the_pricing_file_loads_and_is_dated():
    pricing = cost.load_pricing()

    assert pricing.date
    assert pricing.api_gateway_per_million == 1.0
    assert pricing.lambda_per_million == 0.2


SNAPSTART = cost.Pricing(
    **{
        **PRICING.__dict__,
        "cold_start_fraction": 0.5,
        "snapstart_cache_gb_second": 0.000001,
        "snapstart_restore_per_gb": 0.0001,
        "seconds_per_month": 1_000_000,
    }
)


def test_with_snapstart_a_cold_start_is_billed_per_gb_restored_not_by_its_init_time():
    on = cost.usd_per_million(endpoint(memory_mb=2048, init_ms=1000.0), SNAPSTART, snap_start=True)
    off = cost.usd_per_million(endpoint(memory_mb=2048, init_ms=1000.0), SNAPSTART, snap_start=False)

    assert on["snapstart_restores"] == pytest.approx(0.5 * 1e6 * 2 * 0.0001)  # 500k restores of 2 GB
    assert off["lambda_duration"] - on["lambda_duration"] == pytest.approx(2 * 0.5 * 1 * 0.00001 * 1e6)
    assert "snapstart_restores" not in off


def test_a_stage_without_snapstart_pays_nothing_while_idle():
    assert cost.snapstart_cache_per_month([512] * 20, SNAPSTART, snap_start=False) == 0.0


def test_a_stage_with_snapstart_pays_for_every_functions_snapshot_all_month():
    monthly = cost.snapstart_cache_per_month([512, 1536], SNAPSTART, snap_start=True)

    assert monthly == pytest.approx(2 * 1_000_000 * 0.000001)  # 2 GB cached for the month


def test_the_pricing_file_states_snapstarts_prices():
    pricing = cost.load_pricing()

    assert pricing.snapstart_cache_gb_second > 0
    assert pricing.snapstart_restore_per_gb > 0
    assert pricing.seconds_per_month == 30 * 24 * 3600


def test_the_edge_line_adds_the_cdn_fee_and_takes_cached_anonymous_reads_off_the_origin() -> None:
    costs = {"read": endpoint(read_units=8.0), "write": endpoint(read_units=0.0, write_units=4.0)}
    mix = {"read": 3.0, "write": 1.0}
    origin = cost.mix_usd_per_million(mix, costs, PRICING)

    edge = cost.edge_mix_usd_per_million(mix, costs, PRICING, {"read"}, anonymous_share=0.5, hit_ratio=0.8)

    # 40% of the reads (3 of 4 requests) never reach the origin: 30% of all requests
    assert edge["api_gateway"] == pytest.approx(origin["api_gateway"] * 0.7)
    assert edge["dynamodb_writes"] == pytest.approx(origin["dynamodb_writes"])
    assert edge["cloudfront_requests"] == PRICING.cloudfront_per_million
    assert edge["total"] == pytest.approx(sum(v for k, v in edge.items() if k != "total"))


# --- the edge's WAF and Cognito threat protection (issue 18) ---------------------------------

PRICED = cost.Pricing(
    **{
        **PRICING.__dict__,
        "waf_per_million": 0.6,
        "waf_web_acl_per_month": 5.0,
        "waf_rule_per_month": 1.0,
        "cognito_lite_per_mau": 0.005,
        "cognito_lite_free_mau": 10_000,
        "cognito_plus_per_mau": 0.02,
        "monthly_active_users": 10_000,
    }
)


def test_behind_the_edge_every_request_pays_the_waf_cache_hits_too() -> None:
    costs = {"read": endpoint(), "write": endpoint(write_units=2.0)}

    edge = cost.edge_mix_usd_per_million({"read": 3, "write": 1}, costs, PRICED, {"read"}, hit_ratio=1.0)

    assert edge["waf_requests"] == 0.6
    assert edge["total"] == pytest.approx(sum(v for k, v in edge.items() if k != "total"))


def test_the_waf_costs_its_web_acl_and_each_rule_every_month() -> None:
    assert cost.waf_per_month(8, PRICED) == pytest.approx(13.0)


def test_lite_is_free_up_to_its_free_users_then_per_user() -> None:
    assert cost.cognito_per_month(10_000, PRICED, threat_protection=False) == 0.0
    assert cost.cognito_per_month(30_000, PRICED, threat_protection=False) == pytest.approx(100.0)


def test_threat_protection_prices_every_active_user() -> None:
    assert cost.cognito_per_month(10_000, PRICED, threat_protection=True) == pytest.approx(200.0)


def test_the_pricing_file_states_the_waf_and_cognito_prices_with_their_sources() -> None:
    pricing = cost.load_pricing()
    document = json.loads(cost.PRICING_FILE.read_text())

    waf = (pricing.waf_per_million, pricing.waf_web_acl_per_month, pricing.waf_rule_per_month)

    assert waf == (0.6, 5.0, 1.0)
    assert (pricing.cognito_plus_per_mau, pricing.cognito_lite_per_mau) == (0.02, 0.0055)
    assert pricing.monthly_active_users > 0
    assert "aws.amazon.com/waf/pricing" in document["waf_source"]
    assert "aws.amazon.com/cognito/pricing" in document["cognito_source"]
