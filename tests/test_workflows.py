"""The CI files are valid: GitHub's workflow schema (vendored in check-jsonschema) and pre-commit's shape."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_workflows_match_the_schema(schema: str) -> None:
    assert [w.name for w in WORKFLOWS] == ["deploy.yml", "pr.yml"]
    done = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _load(name: str) -> dict:
    # BaseLoader: the key `on` stays a string instead of YAML 1.1's True.
    return yaml.load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"), yaml.BaseLoader)


def _runs(workflow: dict) -> str:
    return "\n".join(
        step.get("run", "") + step.get("uses", "")
        for job in workflow["jobs"].values()
        for step in job["steps"]
    )


def test_pull_request_workflow() -> None:
    pr = _load("pr.yml")
    assert "pull_request" in pr["on"]
    job = pr["jobs"]["check"]
    assert job["env"]["SITE_URL"].startswith("https://xem-truoc.invalid/")  # never production
    steps = _runs(pr)
    assert "phieu validate procedures --format github" in steps
    assert "make test" in steps
    assert "phieu build --strict --reprint" in steps
    assert "actions/upload-artifact@" in steps
    assert 'phieu diff "origin/$BASE_REF" --format markdown >> "$GITHUB_STEP_SUMMARY"' in steps
    assert job["steps"][0]["with"]["fetch-depth"] == "0"


def test_deploy_workflow() -> None:
    deploy = _load("deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    steps = _runs(deploy)
    assert "actions/upload-pages-artifact@" in steps
    assert "actions/deploy-pages@" in steps
    assert "phieu ledger update" in steps
    assert deploy["jobs"]["ledger"]["needs"] == "deploy"  # only URLs that were really published
    assert deploy["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_pre_commit_hooks() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "phieu-validate", "procedure-schema"} <= set(hooks)
    assert "schema/procedure.schema.json" in hooks["procedure-schema"]["entry"]
    assert all(repo["repo"] == "local" for repo in config["repos"])
    for hook in hooks.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
