"""Per-stage settings, read once from CDK context (`-c key=value` or cdk.json).

Every stage (a developer's `dev-alice`, a pull request's, `prod`) is a separate stack whose
named resources carry the stage, so stages never collide in one account.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conduit.resources import APP_NAME
from infra import layers
from infra.errors import InfraError

#: Context keys the app reads; `protectedStages` lives in cdk.json.
STAGE_KEY = "stage"
RETAIN_KEY = "retain"
PROTECTED_STAGES_KEY = "protectedStages"
DEPENDENCY_LAYER_DIR_KEY = "dependencyLayerDir"
LOG_LEVEL_KEY = "logLevel"

_STAGE = re.compile(r"[a-z0-9-]{1,20}")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no", "")

ContextReader = Callable[[str], object]


@dataclass(frozen=True)
class StageConfig:
    stage: str
    #: Keep data on stack deletion and refuse deletes: RETAIN, deletion and termination protection.
    retain: bool
    #: Folder packaged as the dependency layer (holds `python/`).
    dependency_layer_dir: Path
    #: True when that folder was given by context (a placeholder for tests), not built by pip.
    dependency_layer_overridden: bool
    log_level: str = "INFO"

    @property
    def stack_name(self) -> str:
        return f"Conduit-{self.stage}"

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


def _protected_stages(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InfraError(f"`{PROTECTED_STAGES_KEY}` in cdk.json must be a list of stage names")
    return frozenset(value)


def _dependency_layer_dir(value: object) -> tuple[Path, bool]:
    if value is not None and value != "":
        folder = Path(str(value)).expanduser().resolve()
        if not folder.is_dir():
            raise InfraError(f"`-c {DEPENDENCY_LAYER_DIR_KEY}={value}` is not a directory")
        return folder, True
    if not layers.is_current():
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
