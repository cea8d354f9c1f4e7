"""The dependency layer build: runtime-provided packages stay out, and the stamp detects staleness.

No pip run here: the build itself is exercised by `make synth`; these check its decisions.
"""

from __future__ import annotations

import pytest

from infra import bytecode, layers


def test_runtime_provided_requirements_are_left_out():
    text = "boto3==1.0\nBotocore>=1\npynamodb==6.1.0\n# comment\naws-lambda-powertools[tracer]==3.37.0\n"
    kept = layers.runtime_filtered(text).splitlines()
    assert kept == ["pynamodb==6.1.0", "# comment", "aws-lambda-powertools[tracer]==3.37.0"]


def test_transitively_installed_runtime_packages_are_removed(tmp_path):
    for name, files in {
        "botocore": ["botocore/__init__.py", "botocore/data/x.json"],
        "jmespath": ["jmespath/__init__.py"],
    }.items():
        dist_info = tmp_path / f"{name}-1.0.dist-info"
        dist_info.mkdir()
        for file in files:
            (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / file).write_text("")
        (dist_info / "RECORD").write_text("".join(f"{f},,\n" for f in files))
    assert layers.remove_runtime_provided(tmp_path) == ["botocore"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jmespath", "jmespath-1.0.dist-info"]


def test_layer_is_current_only_for_the_requirements_it_was_built_from(tmp_path):
    requirements, stamp, target = tmp_path / "requirements.txt", tmp_path / "stamp", tmp_path / "python"
    requirements.write_text("pynamodb==6.1.0\n")
    target.mkdir()
    assert not layers.is_current(requirements, stamp, target)
    stamp.write_text(layers.digest(requirements) + "\n")
    assert layers.is_current(requirements, stamp, target)
    requirements.write_text("pynamodb==6.2.0\n")
    assert not layers.is_current(requirements, stamp, target)


def test_layer_without_its_folder_is_not_current(tmp_path):
    requirements, stamp = tmp_path / "requirements.txt", tmp_path / "stamp"
    requirements.write_text("pynamodb==6.1.0\n")
    stamp.write_text(layers.digest(requirements))
    assert not layers.is_current(requirements, stamp, tmp_path / "python")


def test_layer_built_with_other_bytecode_is_not_current(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """A layer compiled for another Python (or built before bytecode was shipped) is rebuilt."""
    requirements, stamp, target = tmp_path / "requirements.txt", tmp_path / "stamp", tmp_path / "python"
    requirements.write_text("pynamodb==6.1.0\n")
    target.mkdir()
    stamp.write_text(layers.digest(requirements))
    monkeypatch.setattr(bytecode, "RECIPE", "cpython-314-unchecked-hash")
    assert not layers.is_current(requirements, stamp, target)
