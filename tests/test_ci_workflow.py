"""The GitHub Actions workflow a fork gets (.github/workflows/ci.yml): valid against the
workflow schema (check-jsonschema's vendored copy: offline), calling only make targets that
exist, and deploying through OIDC with a role from a repository variable, never a stored key."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_makefile import phony_targets

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def load(path: Path = WORKFLOW) -> dict[Any, Any]:
    workflow: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = load()["jobs"][job]["steps"]
    return found


def uses(job: str, action: str) -> list[dict[str, Any]]:
    return [step for step in steps(job) if step.get("uses", "").split("@")[0] == action]


def make_calls(job: str) -> list[list[str]]:
    """Every `make ...` command line of the job's run steps, split as the shell would."""
    return [
        shlex.split(line.strip())
        for step in steps(job)
        for line in step.get("run", "").splitlines()
        if line.strip().startswith("make ")
    ]


def test_the_workflow_is_valid_against_the_github_workflow_schema():
    done = validate(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path):
    """The control: an unknown event and a job without `runs-on` fail the same check."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: pusj\njobs:\n  test:\n    steps:\n      - run: make test\n")
    done = validate(broken)
    assert done.returncode == 1
    assert "'runs-on' is a required property" in done.stdout


def test_every_make_target_the_workflow_calls_exists():
    called = {
        word for job in load()["jobs"] for call in make_calls(job) for word in call[1:] if "=" not in word
    }
    assert called
    assert called <= phony_targets()


def test_pushes_and_pull_requests_run_lint_test_contract_and_synth_on_python_311_and_node_20():
    on = load()["on"]
    assert "push" in on
    assert "pull_request" in on
    assert [call[:2] for call in make_calls("test")] == [
        ["make", "lint"],
        ["make", "test"],
        ["make", "contract"],
        ["make", "synth"],
    ]
    (python,) = uses("test", "actions/setup-python")
    (node,) = uses("test", "actions/setup-node")
    assert tuple(int(part) for part in python["with"]["python-version"].split(".")) >= (3, 11)
    assert node["with"]["node-version"] == "20"


def test_pip_and_npm_downloads_are_cached_keyed_on_every_requirements_file():
    for job in ("test", "deploy"):
        (pip,) = [step for step in uses(job, "actions/setup-python") if "cache" in step["with"]]
        assert pip["with"]["cache"] == "pip"
        keyed = set(pip["with"]["cache-dependency-path"].split())
        assert keyed == {
            "requirements-dev.txt",
            "layers/dependencies/requirements.txt",
            "bench/requirements.txt",
        }
        assert uses(job, "actions/setup-node")[0]["with"]["cache"] == "npm"


def test_a_stage_is_deployed_only_by_hand_and_only_after_the_tests():
    workflow = load()
    stage = workflow["on"]["workflow_dispatch"]["inputs"]["stage"]
    assert stage["required"] is True
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "test"
    assert deploy["if"] == "github.event_name == 'workflow_dispatch'"
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_the_deploy_assumes_a_role_from_a_repository_variable_through_oidc():
    workflow = load()
    assert workflow["permissions"] == {"contents": "read"}, "nothing else may mint an OIDC token"
    assert workflow["jobs"]["deploy"]["permissions"] == {"contents": "read", "id-token": "write"}
    (credentials,) = uses("deploy", "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    text = WORKFLOW.read_text(encoding="utf-8")
    assert not re.search(r"aws-access-key-id|aws-secret-access-key|secrets\.", text)


def test_the_deploy_compiles_with_python_313_and_passes_the_stage_without_pasting_it_into_the_script():
    (deploy,) = [step for step in steps("deploy") if "make deploy" in step.get("run", "")]
    (python313,) = [step for step in uses("deploy", "actions/setup-python") if step.get("id") == "python313"]
    assert python313["with"]["python-version"] == "3.13"
    assert deploy["env"]["CONDUIT_PYTHON313"] == "${{ steps.python313.outputs.python-path }}"
    assert deploy["env"]["STAGE"] == "${{ inputs.stage }}"
    assert "${{" not in deploy["run"]
    assert make_calls("deploy") == [
        ["make", "deploy", "STAGE=$STAGE", "CDK_CONTEXT=--require-approval never"]
    ]


@pytest.mark.parametrize("job", ["test", "deploy"])
def test_every_action_is_pinned_to_a_major_version(job):
    for step in steps(job):
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step["uses"]
