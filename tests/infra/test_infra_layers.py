"""The dependency layer build: runtime-provided packages stay out, and the stamp detects staleness.

No pip run here (a stand-in writes the "installed" package): the real install is exercised by
`make synth`; these check the build's decisions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from infra import bytecode, layers
from infra.errors import InfraError


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


def test_layer_built_with_sources_only_is_known_as_such_and_is_not_current(tmp_path):
    requirements, stamp, target = tmp_path / "requirements.txt", tmp_path / "stamp", tmp_path / "python"
    requirements.write_text("pynamodb==6.1.0\n")
    target.mkdir()
    stamp.write_text(layers.digest(requirements, bytecode.SOURCES_ONLY))
    assert layers.built_recipe(requirements, stamp, target) == bytecode.SOURCES_ONLY
    assert not layers.is_current(requirements, stamp, target)


# --- build(): when it builds, and with what bytecode -----------------------------------------


class Pip:
    """Stands in for pip: "installs" one module and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, requirements: Path, target: Path) -> None:
        self.runs += 1
        (target / "package").mkdir(parents=True)
        (target / "package" / "__init__.py").write_text("VALUE = 1\n")


@pytest.fixture
def pip(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Pip:
    """A build into tmp_path, with the stand-in for pip; no Python 3.13 and no mode set."""
    build = tmp_path / "build" / "dependencies"
    monkeypatch.setattr(layers, "BUILD_DIR", build)
    monkeypatch.setattr(layers, "TARGET_DIR", build / "python")
    monkeypatch.setattr(layers, "STAMP", tmp_path / "build" / "dependencies.stamp")
    (tmp_path / "requirements.txt").write_text("pynamodb==6.1.0\n")
    monkeypatch.setattr(layers, "REQUIREMENTS", tmp_path / "requirements.txt")
    fake = Pip()
    monkeypatch.setattr(layers, "pip_install", fake)
    monkeypatch.delenv(bytecode.MODE_ENV, raising=False)
    without_python313(monkeypatch)
    return fake


def without_python313(monkeypatch: pytest.MonkeyPatch) -> None:
    def nowhere(target: bytecode.Target = bytecode.LAMBDA) -> Path:
        raise bytecode.NoInterpreter("no CPython 3.13 found")

    monkeypatch.setattr(bytecode, "find_interpreter", nowhere)


def with_python313(monkeypatch: pytest.MonkeyPatch) -> None:
    """The running interpreter stands in for 3.13 (compile_tree writes its tag)."""
    monkeypatch.setattr(bytecode, "find_interpreter", lambda target=bytecode.LAMBDA: Path(sys.executable))


def pycs() -> list[Path]:
    return sorted(layers.TARGET_DIR.rglob("*.pyc"))


def test_without_python313_the_layer_build_is_refused_before_pip_runs(pip: Pip):
    with pytest.raises(InfraError, match=r"make synth"):
        layers.build(requirements=layers.REQUIREMENTS)
    assert pip.runs == 0
    assert not layers.TARGET_DIR.exists()


def test_without_python313_a_synth_builds_the_layer_with_sources_only_once(pip: Pip, monkeypatch):
    monkeypatch.setenv(bytecode.MODE_ENV, "optional")
    assert layers.build(requirements=layers.REQUIREMENTS) is True
    assert (layers.TARGET_DIR / "package" / "__init__.py").is_file()
    assert pycs() == []
    assert layers.built_recipe(layers.REQUIREMENTS, layers.STAMP, layers.TARGET_DIR) == bytecode.SOURCES_ONLY
    assert layers.build(requirements=layers.REQUIREMENTS) is False
    assert pip.runs == 1


def test_a_layer_with_sources_only_is_rebuilt_with_bytecode_once_python313_is_found(pip: Pip, monkeypatch):
    monkeypatch.setenv(bytecode.MODE_ENV, "optional")
    layers.build(requirements=layers.REQUIREMENTS)
    with_python313(monkeypatch)
    assert layers.build(requirements=layers.REQUIREMENTS) is True
    assert pip.runs == 2
    assert pycs() != []
    assert layers.is_current(layers.REQUIREMENTS, layers.STAMP, layers.TARGET_DIR)


def test_a_layer_with_bytecode_stays_current_without_python313(pip: Pip, monkeypatch):
    """Its bytecode is still Lambda's: nothing to rebuild, whatever this machine has now."""
    with_python313(monkeypatch)
    layers.build(requirements=layers.REQUIREMENTS)
    without_python313(monkeypatch)
    assert layers.build(requirements=layers.REQUIREMENTS) is False
    assert pip.runs == 1
