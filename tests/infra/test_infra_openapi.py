"""A synth ships the OpenAPI document in the code asset, beside the handler that serves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract import openapi
from tests.infra.conftest import STAGE, Synth


def test_a_synth_publishes_the_current_document_for_the_code_asset(
    synth: Synth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "openapi.json"
    published.write_text("{}", encoding="utf-8")  # stale
    monkeypatch.setattr(openapi, "PUBLISHED", published)

    synth(STAGE)

    assert published.read_text(encoding="utf-8") == openapi.document_json()
