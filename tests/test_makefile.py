"""The Makefile documents itself: `make help` lists every target, one line each."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def phony_targets() -> set[str]:
    return {name for line in re.findall(r"^\.PHONY:(.*)$", MAKEFILE, re.M) for name in line.split()}


def rule_targets() -> set[str]:
    """Every `name:` rule (not `name: VARIABLE = value`, not the file rules like `$(INSTALLED):`)."""
    return {m.group(1) for m in re.finditer(r"^([a-z][a-z-]*):(?![^#\n]*\s=)", MAKEFILE, re.M)}


def help_lines() -> dict[str, str]:
    done = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    matches = [re.fullmatch(r"  make (\S+) +(\S.*)", line) for line in done.stdout.splitlines()]
    assert all(matches), f"one line per target:\n{done.stdout}"
    return {m.group(1): m.group(2) for m in matches if m}


def test_every_target_is_phony():
    assert rule_targets() == phony_targets()


def test_make_help_lists_every_target_once_with_what_it_does():
    listed = help_lines()

    assert set(listed) == phony_targets()
    assert all(len(description) > 20 for description in listed.values())


def test_make_alone_installs_as_it_always_has():
    assert re.search(r"^\.DEFAULT_GOAL := install$", MAKEFILE, re.M)
