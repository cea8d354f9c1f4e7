"""Per-stage settings, read once from CDK context (`-c key=value` or cdk.json).

Every stage (a developer's `dev-alice`, a pull request's, `prod`) is a separate stack whose
named resources carry the stage, so stages never collide in one account.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conduit.errors import ConfigurationError
from conduit.resources import (
    APP_NAME,
    CELEBRITY_FOLLOWERS_ENV_VAR,
    DEFAULT_CELEBRITY_FOLLOWERS,
    TABLES,
    USER_POOL,
)
from infra import layers
from infra.errors import InfraError

#: Context keys the app reads; `protectedStages` lives in cdk.json.
STAGE_KEY = "stage"
RETAIN_KEY = "retain"
PROTECTED_STAGES_KEY = "protectedStages"
DEPENDENCY_LAYER_DIR_KEY = "dependencyLayerDir"
LOG_LEVEL_KEY = "logLevel"
THROTTLE_RATE_KEY = "throttleRate"
THROTTLE_BURST_KEY = "throttleBurst"
ALARM_EMAIL_KEY = "alarmEmail"
#: `-c snapStart=true|false`; without it, SnapStart is on for the stages cdk.json lists.
SNAP_START_KEY = "snapStart"
SNAP_START_STAGES_KEY = "snapStartStages"
#: `-c cdn=true` puts a CloudFront distribution in front of the API; the stages listed in
#: cdk.json's `cdnStages` (`prod`) always get one.
CDN_KEY = "cdn"
CDN_STAGES_KEY = "cdnStages"
#: Followers from which an author's articles are pulled into feeds rather than pushed.
CELEBRITY_FOLLOWERS_KEY = "celebrityFollowers"
#: The WAF of a stage with the edge: rate-based rules per client IP, each a count of requests
#: over the evaluation window (`-c wafWindowSeconds=...`, `-c wafRateLimit=...`, ...); see
#: `WafLimits` and docs/operations.md, "The edge".
WAF_WINDOW_KEY = "wafWindowSeconds"
WAF_GENERAL_KEY = "wafRateLimit"
WAF_WRITES_KEY = "wafWriteLimit"
WAF_REGISTRATION_KEY = "wafRegistrationLimit"
WAF_LOGIN_KEY = "wafLoginLimit"
WAF_PASSWORD_KEY = "wafPasswordLimit"
#: `-c threatProtection=true|false`; without it, Cognito threat protection (the PLUS feature
#: plan) is on for the stages cdk.json's `threatProtectionStages` lists (`prod`).
THREAT_PROTECTION_KEY = "threatProtection"
THREAT_PROTECTION_STAGES_KEY = "threatProtectionStages"
#: A custom domain (`-c domainName=api.example.com`) in a Route 53 hosted zone of the account
#: (`-c hostedZoneId=Z0123... -c hostedZoneName=example.com`), whose records validate its
#: certificate and point the name at the distribution, or at the API without the edge.
DOMAIN_NAME_KEY = "domainName"
HOSTED_ZONE_ID_KEY = "hostedZoneId"
HOSTED_ZONE_NAME_KEY = "hostedZoneName"
#: How long an access token (the RealWorld token) lasts, in minutes: Cognito allows 5 to 1,440.
#: RealWorld frontends never refresh, so the default is the longest (a day); revocation ends a
#: stolen one within a minute (docs/api.md, "Sessions").
TOKEN_MINUTES_KEY = "tokenMinutes"
_TOKEN_MINUTES = (5, 24 * 60)
#: `-c rateLimit.<name>=<count>/<seconds>[,<count>/<seconds>]`: a per-account limit
#: (conduit.limits.LIMITS names them; docs/api.md, "Limits per account"), given to the functions
#: of the routes that count against it as `RATE_LIMIT_<NAME>`.
RATE_LIMIT_PREFIX = "rateLimit."
#: `-c tableOverride.<key>=<table name>` (and, for a table with a stream,
#: `-c tableStreamOverride.<key>=<stream ARN>`): run the stage on an existing table, e.g. one
#: restored from a point-in-time backup (docs/operations.md).
TABLE_OVERRIDE_PREFIX = "tableOverride."
TABLE_STREAM_OVERRIDE_PREFIX = "tableStreamOverride."

#: API stage throttling when the context says nothing: steady requests per second, and the
#: burst API Gateway absorbs above it. Far above what a demo sees, far below the account's
#: 10,000 rps, so one stage cannot starve the others (or run up a bill) on its own.
DEFAULT_THROTTLE_RATE = 100
DEFAULT_THROTTLE_BURST = 200

_STAGE = re.compile(r"[a-z0-9-]{1,20}")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no", "")
#: Enough to catch a typo (a missing `@` or domain); SNS itself confirms the address.
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_STREAM_ARN = re.compile(r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.-]+/stream/\S+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_HOSTED_ZONE_ID = re.compile(r"Z[A-Z0-9]{1,31}")
#: What WAF allows: the windows it counts over, and its lowest limit.
WAF_WINDOWS = (60, 120, 300, 600)
WAF_MIN_LIMIT = 10

ContextReader = Callable[[str], object]


@dataclass(frozen=True)
class TableOverride:
    """An existing table (not managed by the stack) that stands for a declared one."""

    table_name: str
    stream_arn: str | None = None


@dataclass(frozen=True)
class WafLimits:
    """Requests one client IP may send within the window before the WAF answers 429.

    Each limit is counted over the same trailing window (WAF's default, 5 minutes), per IP, on
    the requests the rule's scope matches. The defaults let a person on a frontend, a
    RealWorld Postman run and `make seed` (20 registrations, about 650 writes, within minutes)
    through, and stop a single host from flooding; docs/operations.md justifies each and says
    how to tune them.
    """

    window_seconds: int = 300
    #: Every request.
    general: int = 2000
    #: Every request that is not a GET, HEAD or OPTIONS.
    writes: int = 1000
    #: POST /api/users.
    registration: int = 25
    #: POST /api/users/login.
    login: int = 50
    #: POST /api/users/password/forgot and /reset, and PUT /api/user (which changes passwords).
    password: int = 30


@dataclass(frozen=True)
class CustomDomain:
    """The stage's own host name, in a Route 53 hosted zone of the account."""

    name: str
    hosted_zone_id: str
    hosted_zone_name: str


@dataclass(frozen=True)
class StageConfig:
    stage: str
    #: Keep data on stack deletion and refuse deletes: RETAIN, deletion and termination protection.
    retain: bool
    #: Folder packaged as the dependency layer (holds `python/`).
    dependency_layer_dir: Path
    #: True when that folder was given by context (a placeholder for tests), not built by pip.
    dependency_layer_overridden: bool
    #: Powertools log level of every function (`-c logLevel=DEBUG`); INFO on every stage unless given.
    log_level: str = "INFO"
    #: `$default` stage throttling (`-c throttleRate=...`, `-c throttleBurst=...`).
    throttle_rate: int = DEFAULT_THROTTLE_RATE
    throttle_burst: int = DEFAULT_THROTTLE_BURST
    #: Subscribed to the alarm topic when given (`-c alarmEmail=you@example.com`).
    alarm_email: str | None = None
    #: Table key -> existing table the stage uses instead of creating its own.
    table_overrides: dict[str, TableOverride] = field(default_factory=dict)
    #: Lambda SnapStart on the API's functions: each deploy publishes a version per function
    #: (init runs then, and its snapshot is cached), an alias `live` follows it and the API
    #: invokes the alias. Cached snapshots are billed while they exist, so it is on only where
    #: cold starts are worth paying for (`snapStartStages` in cdk.json: prod), off on personal
    #: stages, which then cost nothing while idle (docs/architecture.md#cold-start).
    snap_start: bool = False
    #: A CloudFront distribution caches anonymous reads in front of the API (`-c cdn=true`),
    #: behind a WAF, and the API answers only what came through it.
    cdn: bool = False
    #: The WAF's rate limits per client IP (stages with the edge).
    waf: WafLimits = field(default_factory=WafLimits)
    #: Cognito threat protection (the PLUS feature plan, priced per active user): on for the
    #: stages cdk.json's `threatProtectionStages` lists, or `-c threatProtection=true`.
    threat_protection: bool = False
    #: The stage's own host name (`-c domainName=...`), else AWS's.
    domain: CustomDomain | None = None
    #: The celebrity threshold of the feed hybrid (`-c celebrityFollowers=...`, docs/scaling.md).
    celebrity_followers: int = DEFAULT_CELEBRITY_FOLLOWERS
    #: Per-account limits the stage sets other than their defaults, by limit name.
    rate_limits: dict[str, str] = field(default_factory=dict)
    #: Access token lifetime (`-c tokenMinutes=...`).
    token_minutes: int = USER_POOL.access_token_validity_minutes

    @property
    def stack_name(self) -> str:
        return f"Conduit-{self.stage}"

    def limit_settings(self, limit: str | None) -> dict[str, str]:
        """The environment of a function whose route counts against `limit`."""
        from conduit.limits import LIMITS

        if limit is None or limit not in self.rate_limits:
            return {}
        return {LIMITS[limit].env_var: self.rate_limits[limit]}

    def function_settings(self) -> dict[str, str]:
        """Values of the settings a function may declare it reads (`StreamWorker.settings`)."""
        return {CELEBRITY_FOLLOWERS_ENV_VAR: str(self.celebrity_followers)}

    def resource_name(self, suffix: str) -> str:
        """Name for an explicitly named resource, the same pattern as `Table.physical_name`."""
        return f"{APP_NAME}-{self.stage}-{suffix}"

    @classmethod
    def from_context(cls, context: ContextReader) -> StageConfig:
        stage = _stage(context(STAGE_KEY))
        protected = _protected_stages(context(PROTECTED_STAGES_KEY))
        layer_dir, overridden = _dependency_layer_dir(context(DEPENDENCY_LAYER_DIR_KEY))
        return cls(
            stage=stage,
            retain=_flag(RETAIN_KEY, context(RETAIN_KEY)) or stage in protected,
            dependency_layer_dir=layer_dir,
            dependency_layer_overridden=overridden,
            log_level=_log_level(context(LOG_LEVEL_KEY)),
            throttle_rate=_positive_int(THROTTLE_RATE_KEY, context(THROTTLE_RATE_KEY), DEFAULT_THROTTLE_RATE),
            throttle_burst=_positive_int(
                THROTTLE_BURST_KEY, context(THROTTLE_BURST_KEY), DEFAULT_THROTTLE_BURST
            ),
            alarm_email=_email(context(ALARM_EMAIL_KEY)),
            table_overrides=_table_overrides(context),
            snap_start=_snap_start(stage, context(SNAP_START_KEY), context(SNAP_START_STAGES_KEY)),
            cdn=_flag(CDN_KEY, context(CDN_KEY))
            or stage in _stage_list(CDN_STAGES_KEY, context(CDN_STAGES_KEY)),
            waf=_waf_limits(context),
            threat_protection=_listed_or_set(
                stage,
                THREAT_PROTECTION_KEY,
                context(THREAT_PROTECTION_KEY),
                THREAT_PROTECTION_STAGES_KEY,
                context(THREAT_PROTECTION_STAGES_KEY),
            ),
            domain=_domain(context),
            token_minutes=_token_minutes(context(TOKEN_MINUTES_KEY)),
            rate_limits=_rate_limits(context),
            celebrity_followers=_positive_int(
                CELEBRITY_FOLLOWERS_KEY, context(CELEBRITY_FOLLOWERS_KEY), DEFAULT_CELEBRITY_FOLLOWERS
            ),
        )


def _stage(value: object) -> str:
    if value is None or value == "":
        raise InfraError("no stage given: pass `-c stage=<name>` (e.g. `-c stage=dev-alice`)")
    if not isinstance(value, str) or not _STAGE.fullmatch(value):
        raise InfraError(
            f"invalid stage {value!r}: use 1-20 lowercase letters, digits or hyphens (e.g. dev-alice)"
        )
    return value


def _flag(key: str, value: object) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InfraError(f"invalid `-c {key}={value}`: use true or false")


def _stage_list(key: str, value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InfraError(f"`{key}` in cdk.json must be a list of stage names")
    return frozenset(value)


def _protected_stages(value: object) -> frozenset[str]:
    return _stage_list(PROTECTED_STAGES_KEY, value)


def _snap_start(stage: str, value: object, stages: object) -> bool:
    """An explicit `-c snapStart=...` wins; otherwise on for the stages cdk.json lists."""
    listed = stage in _stage_list(SNAP_START_STAGES_KEY, stages)
    return listed if value is None or value == "" else _flag(SNAP_START_KEY, value)


def _listed_or_set(stage: str, key: str, value: object, stages_key: str, stages: object) -> bool:
    """An explicit `-c <key>=...` wins; otherwise on for the stages cdk.json lists."""
    listed = stage in _stage_list(stages_key, stages)
    return listed if value is None or value == "" else _flag(key, value)


def _waf_limits(context: ContextReader) -> WafLimits:
    default = WafLimits()
    window = _positive_int(WAF_WINDOW_KEY, context(WAF_WINDOW_KEY), default.window_seconds)
    if window not in WAF_WINDOWS:
        raise InfraError(
            f"invalid `-c {WAF_WINDOW_KEY}={window}`: "
            f"WAF counts over {', '.join(map(str, WAF_WINDOWS))} seconds"
        )

    def limit(key: str, fallback: int) -> int:
        value = _positive_int(key, context(key), fallback)
        if value < WAF_MIN_LIMIT:
            raise InfraError(f"invalid `-c {key}={value}`: WAF's lowest rate limit is {WAF_MIN_LIMIT}")
        return value

    return WafLimits(
        window_seconds=window,
        general=limit(WAF_GENERAL_KEY, default.general),
        writes=limit(WAF_WRITES_KEY, default.writes),
        registration=limit(WAF_REGISTRATION_KEY, default.registration),
        login=limit(WAF_LOGIN_KEY, default.login),
        password=limit(WAF_PASSWORD_KEY, default.password),
    )


def _domain(context: ContextReader) -> CustomDomain | None:
    values = {key: context(key) for key in (DOMAIN_NAME_KEY, HOSTED_ZONE_ID_KEY, HOSTED_ZONE_NAME_KEY)}
    given = {key: str(value).strip().lower().rstrip(".") for key, value in values.items() if value}
    if not given:
        return None
    missing = [key for key in values if key not in given]
    if missing:
        raise InfraError(
            f"a custom domain needs `-c {DOMAIN_NAME_KEY}`, `-c {HOSTED_ZONE_ID_KEY}` and "
            f"`-c {HOSTED_ZONE_NAME_KEY}` together: {', '.join(missing)} missing"
        )
    name, zone = given[DOMAIN_NAME_KEY], given[HOSTED_ZONE_NAME_KEY]
    zone_id = str(values[HOSTED_ZONE_ID_KEY]).strip()
    if not _DOMAIN.fullmatch(name):
        raise InfraError(f"invalid `-c {DOMAIN_NAME_KEY}={name}`: not a host name")
    if not _DOMAIN.fullmatch(zone):
        raise InfraError(f"invalid `-c {HOSTED_ZONE_NAME_KEY}={zone}`: not a domain name")
    if not _HOSTED_ZONE_ID.fullmatch(zone_id):
        raise InfraError(f"invalid `-c {HOSTED_ZONE_ID_KEY}={zone_id}`: a Route 53 zone id starts with Z")
    if name != zone and not name.endswith("." + zone):
        raise InfraError(f"`-c {DOMAIN_NAME_KEY}={name}` is not in the hosted zone {zone}")
    return CustomDomain(name=name, hosted_zone_id=zone_id, hosted_zone_name=zone)


def _dependency_layer_dir(value: object) -> tuple[Path, bool]:
    if value is not None and value != "":
        folder = Path(str(value)).expanduser().resolve()
        if not folder.is_dir():
            raise InfraError(f"`-c {DEPENDENCY_LAYER_DIR_KEY}={value}` is not a directory")
        return folder, True
    # With or without bytecode: whether this synth may ship it is the Runtime's call (it knows
    # whether the synth bundles).
    if layers.built_recipe() is None:
        raise InfraError(
            "the dependency layer is missing or older than layers/dependencies/requirements.txt: "
            "run `.venv/bin/python scripts/build_layers.py` (`make synth` does), or pass "
            f"`-c {DEPENDENCY_LAYER_DIR_KEY}=<empty dir>` for a synth that will not be deployed"
        )
    return layers.BUILD_DIR, False


def _log_level(value: object) -> str:
    if value is None or value == "":
        return "INFO"
    level = str(value).upper()
    if level not in _LOG_LEVELS:
        raise InfraError(f"invalid `-c {LOG_LEVEL_KEY}={value}`: use one of {', '.join(_LOG_LEVELS)}")
    return level


def _positive_int(key: str, value: object, default: int) -> int:
    if value is None or value == "":
        return default
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise InfraError(f"invalid `-c {key}={value}`: use a whole number of at least 1")
    return int(text)


def _token_minutes(value: object) -> int:
    minutes = _positive_int(TOKEN_MINUTES_KEY, value, USER_POOL.access_token_validity_minutes)
    low, high = _TOKEN_MINUTES
    if not low <= minutes <= high:
        raise InfraError(f"invalid `-c {TOKEN_MINUTES_KEY}={value}`: Cognito allows {low} to {high} minutes")
    return minutes


def _email(value: object) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not _EMAIL.fullmatch(text):
        raise InfraError(f"invalid `-c {ALARM_EMAIL_KEY}={value}`: use an email address")
    return text


def _rate_limits(context: ContextReader) -> dict[str, str]:
    """The limits the context sets, each checked as the functions will read it."""
    from conduit import limits

    chosen = {}
    for name in limits.LIMITS:
        value = context(RATE_LIMIT_PREFIX + name)
        if value is None or value == "":
            continue
        text = str(value).strip()
        try:
            limits.parse(name, text)
        except ConfigurationError as error:
            raise InfraError(f"invalid `-c {RATE_LIMIT_PREFIX}{name}={value}`: {error}") from None
        chosen[name] = text
    return chosen


def _table_overrides(context: ContextReader) -> dict[str, TableOverride]:
    overrides = {}
    for table in TABLES:
        name = context(TABLE_OVERRIDE_PREFIX + table.key)
        stream = context(TABLE_STREAM_OVERRIDE_PREFIX + table.key)
        if name is None or name == "":
            if stream is not None:
                raise InfraError(
                    f"`-c {TABLE_STREAM_OVERRIDE_PREFIX}{table.key}` "
                    f"needs `-c {TABLE_OVERRIDE_PREFIX}{table.key}`"
                )
            continue
        if not _TABLE_NAME.fullmatch(str(name)):
            raise InfraError(f"invalid `-c {TABLE_OVERRIDE_PREFIX}{table.key}={name}`: not a table name")
        if table.stream and (stream is None or not _STREAM_ARN.fullmatch(str(stream))):
            raise InfraError(
                f"table {table.key!r} feeds a stream worker: also pass "
                f"`-c {TABLE_STREAM_OVERRIDE_PREFIX}{table.key}=<LatestStreamArn of {name}>` "
                "(enable its stream with NEW_AND_OLD_IMAGES first)"
            )
        if not table.stream and stream is not None:
            raise InfraError(
                f"table {table.key!r} has no stream: drop `-c {TABLE_STREAM_OVERRIDE_PREFIX}{table.key}`"
            )
        overrides[table.key] = TableOverride(str(name), str(stream) if table.stream else None)
    return overrides
