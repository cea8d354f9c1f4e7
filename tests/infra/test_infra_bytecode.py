"""The bytecode every asset ships, so a Lambda cold start does not compile our modules.

This machine has no Python 3.13: the interpreter running the tests stands in for it, through
`Target` (what `find_interpreter` accepts) and the interpreter lookup CDK's bundling calls.
What differs between 3.11 and 3.13 here is only the pyc's tag and magic number.
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

from infra import bytecode
from infra.bundling import CompiledCopy
from infra.bytecode import INTERPRETER_ENV, LAMBDA, Target, compile_tree, find_interpreter
from infra.errors import InfraError
from infra.paths import CODE_EXCLUDES, FUNCTIONS_DIR, SHARED_LAYER_DIR, SOURCE_EXCLUDES
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


def no_interpreter_anywhere(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.delenv(INTERPRETER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(path))


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
    (tmp_path / f"python{CURRENT.dotted}").symlink_to(PYTHON)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv(INTERPRETER_ENV, sys.executable)
    assert find_interpreter(CURRENT) == PYTHON


def test_python_on_path_is_found_by_its_version(tmp_path, monkeypatch):
    name = f"python{CURRENT.dotted}"
    (tmp_path / name).symlink_to(PYTHON)
    no_interpreter_anywhere(monkeypatch, tmp_path)
    assert find_interpreter(CURRENT) == tmp_path / name


def test_uv_is_asked_when_path_has_no_such_python(tmp_path, monkeypatch):
    (tmp_path / "uv").write_text(
        f'#!/bin/sh\n[ "$*" = "python find {CURRENT.dotted}" ] && echo {sys.executable}\n'
    )
    (tmp_path / "uv").chmod(0o755)
    no_interpreter_anywhere(monkeypatch, tmp_path)
    assert find_interpreter(CURRENT) == PYTHON


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


def test_without_python313_the_error_says_how_to_get_one(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    with pytest.raises(InfraError) as error:
        find_interpreter()
    for hint in (
        "uv python install 3.13",
        "apt install python3.13",
        "brew install python@3.13",
        INTERPRETER_ENV,
    ):
        assert hint in str(error.value)


def test_a_python313_on_path_that_does_not_run_is_reported(tmp_path, monkeypatch):
    """pyenv's shim for a version that is not selected exits 127."""
    (tmp_path / "python3.13").write_text(
        "#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n"
    )
    (tmp_path / "python3.13").chmod(0o755)
    no_interpreter_anywhere(monkeypatch, tmp_path)
    with pytest.raises(InfraError, match=r"\n  rejected .*python3\.13: .*exited with 127: pyenv"):
        find_interpreter()


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
    bundler = CompiledCopy(source, lambda: PYTHON)
    assert bundler.try_bundle(str(output), image=DockerImage.from_registry("never-pulled")) is True
    assert without_bytecode(output) == without_bytecode(source)
    assert pycs(output) == expected_pycs(output)
    assert sorted(p.as_posix() for p in source.rglob("*")) == before


def test_local_bundling_without_python313_raises_rather_than_falling_back_to_docker(tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    output = tmp_path / "output"
    output.mkdir()
    with pytest.raises(InfraError, match=r"no CPython 3\.13"):
        CompiledCopy(SHARED_LAYER_DIR).try_bundle(
            str(output), image=DockerImage.from_registry("never-pulled")
        )


def test_a_bundling_synth_ships_functions_and_shared_code_with_bytecode(synth: Synth, monkeypatch):
    """A real synth with bundling on, CDK calling our local bundler for both assets."""
    monkeypatch.setattr(bytecode, "find_interpreter", lambda: PYTHON)
    stack = synth(STAGE, bundling_stacks=["**"])
    template = Template.from_stack(stack)
    stage = Stage.of(stack)
    assert stage is not None
    outdir = Path(stage.outdir)
    functions = template.find_resources("AWS::Lambda::Function")
    code_keys = {f["Properties"]["Code"]["S3Key"] for f in functions.values()}
    (shared,) = (
        layer["Properties"]["Content"]["S3Key"]
        for layer in template.find_resources("AWS::Lambda::LayerVersion").values()
        if layer["Properties"]["LayerName"] == f"conduit-{STAGE}-shared"
    )
    assert len(code_keys) == 1
    for key, source in ((code_keys.pop(), FUNCTIONS_DIR), (shared, SHARED_LAYER_DIR)):
        asset = outdir / f"asset.{key.removesuffix('.zip')}"
        assert without_bytecode(asset) == without_bytecode(source)
        assert pycs(asset) == expected_pycs(asset)


def test_a_bundling_synth_without_python313_says_how_to_get_one(synth: Synth, tmp_path, monkeypatch):
    no_interpreter_anywhere(monkeypatch, tmp_path)
    with pytest.raises(InfraError, match=r"uv python install 3\.13"):
        synth(STAGE, bundling_stacks=["**"])
