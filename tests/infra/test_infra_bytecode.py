"""The bytecode every asset ships, so a Lambda cold start does not compile our modules.

The suite needs no Python 3.13: the interpreter running the tests stands in for it, through
`Target` (what `find_interpreter` accepts) and the interpreter lookup CDK's bundling calls, and
the lookups run on a fake PATH, pyenv root and home. What differs between 3.11 and 3.13 here is
only the pyc's tag and magic number.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import DockerImage, GlobIgnoreStrategy, Stage
from aws_cdk.assertions import Template

from infra import bytecode, layers
from infra.bundling import CompiledCopy
from infra.bytecode import (
    INTERPRETER_ENV,
    LAMBDA,
    MODE_ENV,
    NoInterpreter,
    Target,
    compile_tree,
    find_interpreter,
    interpreter_for_assets,
    sources_only_allowed,
)
from infra.errors import InfraError
from infra.paths import CODE_EXCLUDES, FUNCTIONS_DIR, REPO_ROOT, SHARED_LAYER_DIR, SOURCE_EXCLUDES
from infra.stack import ConduitStack
from tests.infra.conftest import STAGE, Synth

PYTHON = Path(sys.executable)
TAG = sys.implementation.cache_tag
#: The interpreter running the tests, as a target: it accepts exactly sys.executable.
CURRENT = Target((sys.version_info[0], sys.version_info[1]), importlib.util.MAGIC_NUMBER)
#: A CDK zip's timestamp for every file (1980-01-01).
ZIP_EPOCH = 315532800


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def pycs(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.pyc")}


def without_bytecode(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def expected_pycs(root: Path) -> set[str]:
    """One pyc of the running interpreter in __pycache__ next to every module."""
    return {
        (p.parent / "__pycache__" / f"{p.stem}.{TAG}.pyc").relative_to(root).as_posix()
        for p in root.rglob("*.py")
    }


def executable(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    path.chmod(0o755)
    return path


def working_python(path: Path) -> Path:
    """A fake interpreter that runs: it hands everything to the Python running the tests."""
    return executable(path, f'#!/bin/sh\nexec {sys.executable} "$@"\n')


def pyenv_shim(path: Path) -> Path:
    """pyenv's shim for a version that is installed but not selected: it exits 127."""
    return executable(path, f"#!/bin/sh\necho 'pyenv: {path.name}: command not found' >&2\nexit 127\n")


def no_interpreter_anywhere(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Only `path` on PATH, no pyenv root and a home without ~/.pyenv: this machine's own
    pyenv (and whatever else it has) must not be found by the lookups under test."""
    for variable in (INTERPRETER_ENV, "PYENV_ROOT", MODE_ENV):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("PATH", str(path))
    monkeypatch.setenv("HOME", str(path / "home"))


# --- compile_tree ---------------------------------------------------------------------------


def test_every_module_gets_unchecked_hash_bytecode_of_the_interpreter_and_nothing_else(tmp_path):
    root = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": "VALUE = 1\n",
            # Left by other interpreters, an optimised run and a Python 2 era tool.
            "pkg/__pycache__/mod.cpython-310.pyc": "stale",
            f"pkg/__pycache__/mod.{TAG}.opt-1.pyc": "optimised",
            "pkg/mod.pyc": "stray",
        },
    )
    compile_tree(root, PYTHON)
    assert pycs(root) == {f"pkg/__pycache__/__init__.{TAG}.pyc", f"pkg/__pycache__/mod.{TAG}.pyc"}
    for pyc in root.rglob("*.pyc"):
        header = pyc.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER
        # PEP 552 flags: bit 0 hash-based, bit 1 check_source unset, so never compared to the source.
        assert int.from_bytes(header[4:8], "little") == 0b01


def test_a_syntax_error_fails_the_compile_naming_the_file(tmp_path):
    root = write(tmp_path, {"good.py": "X = 1\n", "broken.py": "def f(:\n"})
    with pytest.raises(InfraError, match=r"broken\.py"):
        compile_tree(root, PYTHON)


def test_bytecode_is_the_same_wherever_the_tree_is_built(tmp_path):
    """Otherwise the dependency layer's asset hash would change with the checkout's path."""
    files = {"pkg/__init__.py": "", "pkg/mod.py": "def f():\n    raise ValueError('x')\n"}
    one, other = write(tmp_path / "one", files), write(tmp_path / "a" / "b" / "other", files)
    compile_tree(one, PYTHON)
    compile_tree(other, PYTHON)
    assert pycs(one) == pycs(other)
    assert all((one / name).read_bytes() == (other / name).read_bytes() for name in pycs(one))


def seen_by_lambda(root: Path) -> str:
    """What a fresh interpreter imports from `root` as Lambda would after unzipping a CDK asset:
    every file dated 1980 and nothing written back (Lambda's /var/task and /opt are read-only)."""
    for path in root.rglob("*"):
        os.utime(path, (ZIP_EPOCH, ZIP_EPOCH))
    script = f"import sys; sys.path.insert(0, {str(root)!r}); import mod; print(mod.VALUE)"
    result = subprocess.run(
        [sys.executable, "-I", "-B", "-c", script], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_shipped_bytecode_is_used_instead_of_the_source(tmp_path):
    root = write(tmp_path, {"mod.py": "VALUE = 'compiled'\n"})
    compile_tree(root, PYTHON)
    # Same length, other behaviour: only the pyc can answer 'compiled'.
    (root / "mod.py").write_text("VALUE = 'sources!'\n")
    assert seen_by_lambda(root) == "compiled"


def test_timestamp_bytecode_would_be_ignored_in_a_cdk_zip(tmp_path):
    """The control for the test above: pip's or compileall's default pycs record the source's
    mtime, which the zip's 1980 dates contradict, so Lambda compiles the source again."""
    root = write(tmp_path, {"mod.py": "VALUE = 'compiled'\n"})
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "timestamp", str(root)], check=True
    )
    (root / "mod.py").write_text("VALUE = 'sources!'\n")
    assert seen_by_lambda(root) == "sources!"


# --- find_interpreter -----------------------------------------------------------------------


def test_conduit_python313_names_the_interpreter_before_path(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    working_python(tmp_path / f"python{CURRENT.dotted}")
    monkeypatch.setenv(INTERPRETER_ENV, sys.executable)
    assert find_interpreter(CURRENT) == PYTHON


def test_python_on_path_is_found_by_its_version(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    python = working_python(tmp_path / f"python{CURRENT.dotted}")
    assert find_interpreter(CURRENT) == python


def test_a_broken_python_on_path_is_skipped_for_a_working_one_further_down(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    name = f"python{CURRENT.dotted}"
    pyenv_shim(tmp_path / "shims" / name)
    python = working_python(tmp_path / "usr" / "bin" / name)
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "shims"), str(python.parent)]))
    assert find_interpreter(CURRENT) == python


def test_a_pyenv_shim_that_cannot_run_is_skipped_for_the_version_pyenv_installed(tmp_path, monkeypatch):
    """pyenv's root is where its shim lives: no PYENV_ROOT, no pyenv run, no ~/.pyenv."""
    no_interpreter_anywhere(monkeypatch, tmp_path)
    name = f"python{CURRENT.dotted}"
    shim = pyenv_shim(tmp_path / "somewhere" / "pyenv" / "shims" / name)
    installed = working_python(
        tmp_path / "somewhere" / "pyenv" / "versions" / f"{CURRENT.dotted}.4" / "bin" / name
    )
    monkeypatch.setenv("PATH", str(shim.parent))
    assert find_interpreter(CURRENT) == installed


def test_pyenv_root_is_looked_in_without_anything_on_path(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    name = f"python{CURRENT.dotted}"
    installed = working_python(tmp_path / "pyenv" / "versions" / f"{CURRENT.dotted}.4" / "bin" / name)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    assert find_interpreter(CURRENT) == installed


def test_pyenvs_default_root_in_home_is_looked_in(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    name = f"python{CURRENT.dotted}"
    installed = working_python(
        tmp_path / "home" / ".pyenv" / "versions" / f"{CURRENT.dotted}.4" / "bin" / name
    )
    assert find_interpreter(CURRENT) == installed


def test_the_newest_release_pyenv_installed_is_tried_first(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    name = f"python{CURRENT.dotted}"
    versions = tmp_path / "home" / ".pyenv" / "versions"
    for version in ("2", "10", "9"):
        working_python(versions / f"{CURRENT.dotted}.{version}" / "bin" / name)
    assert find_interpreter(CURRENT) == versions / f"{CURRENT.dotted}.10" / "bin" / name


def test_uv_is_asked_when_path_and_pyenv_have_no_such_python(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    pyenv_shim(tmp_path / f"python{CURRENT.dotted}")
    executable(
        tmp_path / "uv", f'#!/bin/sh\n[ "$*" = "python find {CURRENT.dotted}" ] && echo {sys.executable}\n'
    )
    assert find_interpreter(CURRENT) == PYTHON


def test_uv_is_not_asked_when_path_has_one(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    python = working_python(tmp_path / f"python{CURRENT.dotted}")
    executable(tmp_path / "uv", f"#!/bin/sh\ntouch {tmp_path}/uv-was-asked\necho {sys.executable}\n")
    assert find_interpreter(CURRENT) == python
    assert not (tmp_path / "uv-was-asked").exists()


def test_an_interpreter_of_another_version_is_rejected(monkeypatch):
    assert sys.version_info[:2] != LAMBDA.version, "this suite runs on Python 3.11 (see CI)"
    monkeypatch.setenv(INTERPRETER_ENV, sys.executable)
    with pytest.raises(InfraError, match=rf"{INTERPRETER_ENV}=.*{TAG}.*not CPython 3\.13"):
        find_interpreter()


def test_an_interpreter_with_another_magic_number_is_rejected(monkeypatch):
    """A 3.13 pre-release wrote other bytecode than the 3.13 Lambda runs."""
    monkeypatch.setenv(INTERPRETER_ENV, sys.executable)
    with pytest.raises(InfraError, match=rf"magic {importlib.util.MAGIC_NUMBER.hex()}\), not"):
        find_interpreter(Target(CURRENT.version, b"\x00\x00\r\n"))


ADVICE = (
    "uv python install 3.13",
    "pyenv install 3.13",
    "apt install python3.13",
    "brew install python@3.13",
    INTERPRETER_ENV,
)


def test_without_python313_the_error_says_how_to_get_one(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    with pytest.raises(NoInterpreter) as error:
        find_interpreter()
    for hint in ADVICE:
        assert hint in str(error.value)


def test_every_python313_that_does_not_run_is_reported(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    pyenv_shim(tmp_path / "python3.13")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    pyenv_shim(tmp_path / "pyenv" / "versions" / "3.13.1" / "bin" / "python3.13")
    with pytest.raises(NoInterpreter) as error:
        find_interpreter()
    rejected = [line for line in str(error.value).splitlines() if line.startswith("  rejected ")]
    assert [line.split(": ")[0].removeprefix("  rejected ") for line in rejected] == [
        str(tmp_path / "python3.13"),
        str(tmp_path / "pyenv" / "versions" / "3.13.1" / "bin" / "python3.13"),
    ]
    assert all("exited with 127: pyenv" in line for line in rejected)


# --- synth (sources only allowed) and deploy (required) -------------------------------------


def test_without_python313_a_synth_may_ship_sources_only_and_says_so_loudly(tmp_path, monkeypatch, capsys):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    monkeypatch.setenv(MODE_ENV, "optional")
    assert interpreter_for_assets() is None
    warning = capsys.readouterr().err
    assert "WARNING: no CPython 3.13 found: synthesizing with SOURCES ONLY" in warning
    assert "cold starts" in warning
    assert "slower" in warning
    for hint in ADVICE:
        assert hint in warning


def test_without_python313_a_deploy_is_refused_with_the_same_advice(tmp_path, monkeypatch, capsys):
    """Required is the default, so a plain `cdk deploy` refuses too, not only `make deploy`."""
    no_interpreter_anywhere(monkeypatch, tmp_path)
    with pytest.raises(NoInterpreter) as error:
        interpreter_for_assets()
    for hint in (*ADVICE, "make synth"):
        assert hint in str(error.value)
    assert capsys.readouterr().err == ""


def test_a_named_interpreter_that_does_not_work_is_refused_even_where_sources_only_are_allowed(
    tmp_path, monkeypatch
):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    monkeypatch.setenv(MODE_ENV, "optional")
    monkeypatch.setenv(INTERPRETER_ENV, str(pyenv_shim(tmp_path / "python3.13")))
    with pytest.raises(InfraError, match=rf"{INTERPRETER_ENV}=.*exited with 127"):
        interpreter_for_assets()


def test_an_unknown_bytecode_mode_is_refused(monkeypatch):
    monkeypatch.setenv(MODE_ENV, "sometimes")
    with pytest.raises(InfraError, match=rf"{MODE_ENV}=sometimes: use required or optional"):
        sources_only_allowed()


def test_the_makefile_lets_synth_and_destroy_ship_sources_only_and_never_deploy():
    """`make -n` prints the commands with the mode each target gives them."""

    def commands(target: str) -> list[str]:
        done = subprocess.run(
            ["make", "-n", target, "STAGE=x"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return [line for line in done.stdout.splitlines() if "build_layers.py" in line or "npx cdk" in line]

    for target, mode in (("synth", "optional"), ("destroy", "optional"), ("deploy", "required")):
        found = commands(target)
        assert len(found) == 2, found
        assert all(line.startswith(f"{MODE_ENV}={mode} ") for line in found), found


# --- what the assets ship -------------------------------------------------------------------


def test_a_built_layer_ships_only_lambdas_bytecode_in_pycache(tmp_path):
    """CODE_EXCLUDES, read by CDK's own matcher, as it copies and fingerprints the layer."""
    ignore = GlobIgnoreStrategy(str(tmp_path), list(CODE_EXCLUDES))
    shipped = {
        "python/pkg/mod.py": True,
        f"python/pkg/__pycache__/mod.{LAMBDA.cache_tag}.pyc": True,
        f"__pycache__/top.{LAMBDA.cache_tag}.pyc": True,
        "python/pkg/__pycache__/mod.cpython-311.pyc": False,
        f"python/pkg/__pycache__/mod.{LAMBDA.cache_tag}.opt-1.pyc": False,
        f"python/pkg/mod.{LAMBDA.cache_tag}.pyc": False,
        "python/pkg/mod.pyc": False,
    }
    assert {name: not ignore.ignores(str(tmp_path / name)) for name in shipped} == shipped


def test_a_source_tree_never_contributes_bytecode(tmp_path):
    ignore = GlobIgnoreStrategy(str(tmp_path), list(SOURCE_EXCLUDES))
    assert ignore.ignores(str(tmp_path / "pkg" / "__pycache__"))
    assert ignore.ignores(str(tmp_path / "pkg" / f"mod.{LAMBDA.cache_tag}.pyc"))
    assert not ignore.ignores(str(tmp_path / "pkg" / "mod.py"))


def test_local_bundling_copies_the_source_without_its_bytecode_and_compiles_the_copy(tmp_path):
    source = write(
        tmp_path / "source",
        {"python/pkg/__init__.py": "", "python/pkg/mod.py": "X = 1\n", "python/pkg/data.json": "{}"},
    )
    compile_tree(source, PYTHON)  # bytecode a local test run left in the tree
    write(source, {"python/pkg/__pycache__/mod.cpython-310.pyc": "stale", "python/stray.pyc": "stray"})
    before = sorted(p.as_posix() for p in source.rglob("*"))
    output = tmp_path / "output"
    output.mkdir()
    bundler = CompiledCopy(source, PYTHON)
    assert bundler.try_bundle(str(output), image=DockerImage.from_registry("never-pulled")) is True
    assert without_bytecode(output) == without_bytecode(source)
    assert pycs(output) == expected_pycs(output)
    assert sorted(p.as_posix() for p in source.rglob("*")) == before


def test_local_bundling_without_an_interpreter_copies_sources_only_rather_than_calling_docker(tmp_path):
    source = write(tmp_path / "source", {"python/pkg/__init__.py": "", "python/pkg/mod.py": "X = 1\n"})
    compile_tree(source, PYTHON)
    output = tmp_path / "output"
    output.mkdir()
    assert CompiledCopy(source, None).try_bundle(str(output), image=DockerImage.from_registry("never-pulled"))
    assert without_bytecode(output) == without_bytecode(source)
    assert pycs(output) == set()


#: Asset name -> (S3 key, where CDK bundled it).
Bundles = dict[str, tuple[str, Path]]


def bundled_code(stack: ConduitStack) -> Bundles:
    """The functions' code asset and the shared layer of a bundling synth."""
    template = Template.from_stack(stack)
    stage = Stage.of(stack)
    assert stage is not None
    code_keys = {
        f["Properties"]["Code"]["S3Key"] for f in template.find_resources("AWS::Lambda::Function").values()
    }
    assert len(code_keys) == 1, "every function ships the one functions/ asset"
    (shared,) = (
        layer["Properties"]["Content"]["S3Key"]
        for layer in template.find_resources("AWS::Lambda::LayerVersion").values()
        if layer["Properties"]["LayerName"] == f"conduit-{STAGE}-shared"
    )
    return {
        name: (key, Path(stage.outdir) / f"asset.{key.removesuffix('.zip')}")
        for name, key in (("functions", code_keys.pop()), ("shared", shared))
    }


SOURCES = {"functions": FUNCTIONS_DIR, "shared": SHARED_LAYER_DIR}


@pytest.fixture(scope="module")
def compiled_bundles(synth: Synth) -> Bundles:
    """A real synth with bundling on, CDK calling our local bundler for both assets."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bytecode, "find_interpreter", lambda target=LAMBDA: PYTHON)
        return bundled_code(synth(STAGE, bundling_stacks=["**"]))


def test_a_bundling_synth_ships_functions_and_shared_code_with_bytecode(compiled_bundles: Bundles):
    for name, (_, asset) in compiled_bundles.items():
        assert without_bytecode(asset) == without_bytecode(SOURCES[name])
        assert pycs(asset) == expected_pycs(asset)


def test_a_synth_without_python313_ships_sources_only_under_other_asset_hashes(
    synth: Synth, compiled_bundles: Bundles, tmp_path, monkeypatch
):
    """`make synth` without a 3.13: an upload or a cached bundle of one kind never stands for
    the other, so installing a 3.13 later ships the bytecode."""
    no_interpreter_anywhere(monkeypatch, tmp_path)
    monkeypatch.setenv(MODE_ENV, "optional")
    sources_only = bundled_code(synth(STAGE, bundling_stacks=["**"]))
    for name, (key, asset) in sources_only.items():
        assert without_bytecode(asset) == without_bytecode(SOURCES[name])
        assert pycs(asset) == set()
        assert key != compiled_bundles[name][0]


def test_a_bundling_synth_without_python313_refuses_by_default_saying_how_to_get_one(
    synth: Synth, tmp_path, monkeypatch
):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    with pytest.raises(NoInterpreter, match=r"uv python install 3\.13"):
        synth(STAGE, bundling_stacks=["**"])


def test_a_bundling_synth_with_python313_refuses_a_dependency_layer_built_with_sources_only(
    synth: Synth, monkeypatch
):
    """`make synth` without a 3.13, then a 3.13 installed and `cdk deploy` run by hand."""
    monkeypatch.setattr(bytecode, "find_interpreter", lambda target=LAMBDA: PYTHON)
    monkeypatch.setattr(layers, "built_recipe", lambda *_: bytecode.SOURCES_ONLY)
    with pytest.raises(InfraError, match=r"built with sources only.*scripts/build_layers\.py"):
        synth(STAGE, bundling_stacks=["**"], dependencyLayerDir="")
