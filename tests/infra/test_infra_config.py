"""Stage settings read from CDK context: what a developer types after `cdk synth -c`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import bytecode, layers
from infra.config import StageConfig, TableOverride
from infra.errors import InfraError
from infra.paths import REPO_ROOT


def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return context


def read(tmp_path: Path, **context: object) -> StageConfig:
    values: dict[str, object] = {"dependencyLayerDir": str(tmp_path), **context}
    return StageConfig.from_context(values.get)


def test_missing_stage_says_to_pass_one(tmp_path):
    with pytest.raises(InfraError, match=r"-c stage=<name>"):
        read(tmp_path)


@pytest.mark.parametrize("stage", ["Dev", "dev_alice", "dev alice", "a" * 21, "dév"])
def test_invalid_stage_is_rejected_with_the_naming_rule(tmp_path, stage):
    with pytest.raises(InfraError, match="lowercase letters, digits or hyphens"):
        read(tmp_path, stage=stage)


@pytest.mark.parametrize("stage", ["dev-alice", "pr-123", "prod", "a" * 20, "7"])
def test_valid_stage_names_every_stack_and_resource_name(tmp_path, stage):
    config = read(tmp_path, stage=stage)
    assert config.stack_name == f"Conduit-{stage}"
    assert config.resource_name("api") == f"conduit-{stage}-api"


def test_stage_is_not_retained_by_default(tmp_path):
    assert read(tmp_path, stage="dev-alice").retain is False


@pytest.mark.parametrize("value", ["true", "True", "1", True])
def test_retain_context_retains_any_stage(tmp_path, value):
    assert read(tmp_path, stage="dev-alice", retain=value).retain is True


def test_unclear_retain_value_is_rejected(tmp_path):
    with pytest.raises(InfraError, match="use true or false"):
        read(tmp_path, stage="dev-alice", retain="maybe")


def test_stages_protected_in_cdk_json_are_retained(tmp_path):
    protected = cdk_json_context()["protectedStages"]
    assert "prod" in protected
    assert read(tmp_path, stage="prod", protectedStages=protected).retain is True
    assert read(tmp_path, stage="dev-alice", protectedStages=protected).retain is False


def test_protected_stage_stays_retained_when_retain_is_false(tmp_path):
    assert read(tmp_path, stage="prod", protectedStages=["prod"], retain="false").retain is True


def test_placeholder_dependency_layer_is_used_as_given(tmp_path):
    config = read(tmp_path, stage="dev-alice")
    assert (config.dependency_layer_dir, config.dependency_layer_overridden) == (tmp_path.resolve(), True)


def test_placeholder_dependency_layer_must_be_a_directory(tmp_path):
    with pytest.raises(InfraError, match="is not a directory"):
        read(tmp_path, stage="dev-alice", dependencyLayerDir=str(tmp_path / "missing"))


def test_unbuilt_dependency_layer_says_how_to_build_it(monkeypatch):
    monkeypatch.setattr(layers, "built_recipe", lambda: None)
    with pytest.raises(InfraError, match=r"scripts/build_layers\.py"):
        StageConfig.from_context({"stage": "dev-alice"}.get)


@pytest.mark.parametrize("recipe", [bytecode.RECIPE, bytecode.SOURCES_ONLY])
def test_built_dependency_layer_is_packaged_from_the_build_folder(monkeypatch, recipe):
    """With bytecode or not: whether a synth may ship sources only is the Runtime's decision."""
    monkeypatch.setattr(layers, "built_recipe", lambda: recipe)
    config = StageConfig.from_context({"stage": "dev-alice"}.get)
    assert (config.dependency_layer_dir, config.dependency_layer_overridden) == (
        layers.BUILD_DIR,
        False,
    )


def test_log_level_defaults_to_info_and_accepts_a_powertools_level(tmp_path):
    assert read(tmp_path, stage="dev-alice").log_level == "INFO"
    assert read(tmp_path, stage="dev-alice", logLevel="debug").log_level == "DEBUG"
    with pytest.raises(InfraError, match="logLevel"):
        read(tmp_path, stage="dev-alice", logLevel="chatty")


def test_throttling_defaults_to_100_requests_per_second_with_bursts_of_200(tmp_path):
    config = read(tmp_path, stage="dev-alice")
    assert (config.throttle_rate, config.throttle_burst) == (100, 200)


def test_throttling_is_set_per_stage_by_context(tmp_path):
    config = read(tmp_path, stage="dev-alice", throttleRate="5", throttleBurst=20)
    assert (config.throttle_rate, config.throttle_burst) == (5, 20)


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "fast", True])
def test_invalid_throttle_value_is_rejected(tmp_path, value):
    with pytest.raises(InfraError, match="throttleRate"):
        read(tmp_path, stage="dev-alice", throttleRate=value)


def test_alarm_email_is_optional_and_checked(tmp_path):
    assert read(tmp_path, stage="dev-alice").alarm_email is None
    assert read(tmp_path, stage="dev-alice", alarmEmail="ops@example.com").alarm_email == "ops@example.com"
    with pytest.raises(InfraError, match="alarmEmail"):
        read(tmp_path, stage="dev-alice", alarmEmail="ops-at-example")


STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/conduit-prod-articles-r1/stream/2026-11-23T00:00:00.000"
)


def test_no_table_is_overridden_by_default(tmp_path):
    assert read(tmp_path, stage="dev-alice").table_overrides == {}


def test_table_override_names_an_existing_table_and_its_stream(tmp_path):
    config = read(
        tmp_path,
        stage="prod",
        **{"tableOverride.articles": "conduit-prod-articles-r1", "tableStreamOverride.articles": STREAM_ARN},
    )
    assert config.table_overrides == {"articles": TableOverride("conduit-prod-articles-r1", STREAM_ARN)}


def test_override_of_a_streamed_table_needs_its_stream(tmp_path):
    with pytest.raises(InfraError, match=r"tableStreamOverride\.articles"):
        read(tmp_path, stage="prod", **{"tableOverride.articles": "conduit-prod-articles-r1"})


@pytest.mark.parametrize(
    "context",
    [
        {"tableOverride.users": "no spaces allowed"},
        {"tableOverride.listings": "conduit-prod-listings-r1", "tableStreamOverride.listings": STREAM_ARN},
        {"tableStreamOverride.articles": STREAM_ARN},
    ],
)
def test_inconsistent_table_override_is_rejected(tmp_path, context):
    with pytest.raises(InfraError, match=r"tableOverride|tableStreamOverride|table name"):
        read(tmp_path, stage="prod", **context)


def test_snapstart_is_on_for_the_stages_cdk_json_lists_and_off_for_personal_ones(tmp_path):
    listed = cdk_json_context()["snapStartStages"]
    assert listed == ["prod"]
    assert read(tmp_path, stage="prod", snapStartStages=listed).snap_start is True
    assert read(tmp_path, stage="dev-alice", snapStartStages=listed).snap_start is False


@pytest.mark.parametrize(
    ("stage", "value", "expected"), [("prod", "false", False), ("dev-alice", "true", True)]
)
def test_snapstart_context_wins_over_the_listed_stages(tmp_path, stage, value, expected):
    config = read(tmp_path, stage=stage, snapStart=value, snapStartStages=["prod"])

    assert config.snap_start is expected


def test_unclear_snapstart_value_is_rejected(tmp_path):
    with pytest.raises(InfraError, match=r"-c snapStart=sometimes.*use true or false"):
        read(tmp_path, stage="dev-alice", snapStart="sometimes")


def test_snapstart_stages_must_be_a_list_of_stage_names(tmp_path):
    with pytest.raises(InfraError, match=r"`snapStartStages` in cdk\.json must be a list"):
        read(tmp_path, stage="prod", snapStartStages="prod")


def test_the_cdn_is_off_unless_asked_for_and_on_for_the_stages_in_cdk_json(tmp_path):
    cdn_stages = cdk_json_context()["cdnStages"]
    assert read(tmp_path, stage="dev-alice", cdnStages=cdn_stages).cdn is False
    assert read(tmp_path, stage="dev-alice", cdn="true").cdn is True
    assert read(tmp_path, stage="prod", cdnStages=cdn_stages).cdn is True


def test_the_celebrity_threshold_defaults_to_1000_followers_and_is_checked(tmp_path):
    assert read(tmp_path, stage="dev-alice").celebrity_followers == 1000
    assert read(tmp_path, stage="dev-alice", celebrityFollowers="50").celebrity_followers == 50
    with pytest.raises(InfraError, match="celebrityFollowers"):
        read(tmp_path, stage="dev-alice", celebrityFollowers="0")


def test_prod_gets_snapstart_and_the_cdn_side_by_side_from_cdk_json(tmp_path):
    context = cdk_json_context()
    stages = {key: context[key] for key in ("snapStartStages", "cdnStages")}

    prod = read(tmp_path, stage="prod", **stages)
    personal = read(tmp_path, stage="dev-alice", **stages)

    assert (prod.snap_start, prod.cdn) == (True, True)
    assert (personal.snap_start, personal.cdn) == (False, False)


def test_the_token_lifetime_defaults_to_a_day_and_is_checked(tmp_path):
    assert read(tmp_path, stage="dev-alice").token_minutes == 24 * 60
    assert read(tmp_path, stage="dev-alice", tokenMinutes="60").token_minutes == 60
    for wrong in ("4", "1441", "an hour"):
        with pytest.raises(InfraError, match="tokenMinutes"):
            read(tmp_path, stage="dev-alice", tokenMinutes=wrong)


# --- the edge: WAF limits, threat protection, a custom domain --------------------------------


def test_waf_limits_default_to_the_documented_values(tmp_path):
    limits = read(tmp_path, stage="dev-alice").waf

    assert (limits.window_seconds, limits.general, limits.writes) == (300, 2000, 1000)
    assert (limits.registration, limits.login, limits.password) == (25, 50, 30)


def test_every_waf_limit_is_a_stage_setting(tmp_path):
    limits = read(
        tmp_path,
        stage="dev-alice",
        wafWindowSeconds="120",
        wafRateLimit="900",
        wafWriteLimit="400",
        wafRegistrationLimit="10",
        wafLoginLimit="20",
        wafPasswordLimit="15",
    ).waf

    assert (limits.window_seconds, limits.general, limits.writes) == (120, 900, 400)
    assert (limits.registration, limits.login, limits.password) == (10, 20, 15)


@pytest.mark.parametrize("window", ["30", "180", "3600"])
def test_a_window_waf_does_not_count_over_is_refused(tmp_path, window):
    with pytest.raises(InfraError, match="60, 120, 300, 600"):
        read(tmp_path, stage="dev-alice", wafWindowSeconds=window)


def test_a_limit_under_waf_s_lowest_is_refused(tmp_path):
    with pytest.raises(InfraError, match="lowest rate limit is 10"):
        read(tmp_path, stage="dev-alice", wafLoginLimit="9")


def test_threat_protection_is_on_for_the_stages_cdk_json_lists(tmp_path):
    listed = cdk_json_context()["threatProtectionStages"]

    assert listed == ["prod"]
    assert read(tmp_path, stage="prod", threatProtectionStages=listed).threat_protection is True
    assert read(tmp_path, stage="dev-alice", threatProtectionStages=listed).threat_protection is False


def test_threat_protection_is_a_setting_either_way(tmp_path):
    listed = ["prod"]

    assert read(tmp_path, stage="dev-alice", threatProtection="true").threat_protection is True
    turned_off = read(tmp_path, stage="prod", threatProtection="false", threatProtectionStages=listed)

    assert turned_off.threat_protection is False


DOMAIN = {"domainName": "api.example.com", "hostedZoneId": "Z0123456789ABC", "hostedZoneName": "example.com"}


def test_no_custom_domain_by_default(tmp_path):
    assert read(tmp_path, stage="dev-alice").domain is None


def test_a_custom_domain_in_its_hosted_zone(tmp_path):
    domain = read(tmp_path, stage="dev-alice", **DOMAIN).domain

    assert domain is not None
    assert (domain.name, domain.hosted_zone_id, domain.hosted_zone_name) == (
        "api.example.com",
        "Z0123456789ABC",
        "example.com",
    )


def test_the_zone_apex_may_be_the_domain(tmp_path):
    domain = read(tmp_path, stage="dev-alice", **{**DOMAIN, "domainName": "example.com"}).domain

    assert domain is not None
    assert domain.name == "example.com"


@pytest.mark.parametrize("missing", sorted(DOMAIN))
def test_a_custom_domain_needs_all_three_settings(tmp_path, missing):
    given = {key: value for key, value in DOMAIN.items() if key != missing}

    with pytest.raises(InfraError, match=f"{missing} missing"):
        read(tmp_path, stage="dev-alice", **given)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"domainName": "api.example.org"}, "not in the hosted zone"),
        ({"domainName": "notexample.com"}, "not in the hosted zone"),
        ({"domainName": "-api.example.com"}, "not a host name"),
        ({"hostedZoneId": "0123"}, "starts with Z"),
        ({"hostedZoneName": "localhost"}, "not a domain name"),
    ],
)
def test_a_custom_domain_outside_its_zone_or_malformed_is_refused(tmp_path, override, message):
    with pytest.raises(InfraError, match=message):
        read(tmp_path, stage="dev-alice", **{**DOMAIN, **override})


def test_a_per_account_limit_is_a_stage_setting_checked_as_the_functions_read_it(tmp_path):
    config = read(tmp_path, stage="dev-alice", **{"rateLimit.articles": "3/30,20/86400"})

    assert config.limit_settings("articles") == {"RATE_LIMIT_ARTICLES": "3/30,20/86400"}
    assert config.limit_settings("comments") == {}  # its default: nothing to say
    for wrong in ("many", "3/30,20/10", "0/30"):
        with pytest.raises(InfraError, match=r"rateLimit\.articles"):
            read(tmp_path, stage="dev-alice", **{"rateLimit.articles": wrong})
