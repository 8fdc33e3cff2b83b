"""The CI files: valid against GitHub's schemas (vendored in check-jsonschema), pinned actions, caches, and
the jobs staff depend on (every data problem in the summary, production refuses sample data, the URL ledger
reaches main through a pull request).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
DEPENDABOT = ROOT / ".github" / "dependabot.yml"


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


def _step(job: dict, run: str) -> dict:
    """The one step of ``job`` whose command contains ``run``."""
    [step] = [step for step in job["steps"] if run in step.get("run", "")]
    return step


def _caches(job: dict) -> set[str]:
    return {
        step["with"]["path"] for step in job["steps"] if step.get("uses", "").startswith("actions/cache@")
    }


def test_dependabot_updates_actions_and_python_packages() -> None:
    done = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.dependabot", str(DEPENDABOT)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load(DEPENDABOT.read_text(encoding="utf-8"))
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions", "pip", "npm"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(workflow: Path) -> None:
    """A tag can be moved to other code; a commit cannot. The comment names the tag for people and Dependabot."""
    lines = [line for line in workflow.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert lines
    for line in lines:
        assert re.fullmatch(r"\s*(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def test_pull_request_workflow() -> None:
    pr = _load("pr.yml")
    assert "pull_request" in pr["on"]
    job = pr["jobs"]["check"]
    assert job["env"]["SITE_URL"].startswith("https://xem-truoc.invalid/")  # never production
    steps = _runs(pr)
    assert "phieu validate procedures --format github" in steps
    assert "make test" in steps
    assert 'phieu build --strict --reprint "origin/$BASE_REF" --preview-files xem-truoc' in steps
    assert 'phieu diff "origin/$BASE_REF" --format markdown >> "$GITHUB_STEP_SUMMARY"' in steps
    assert job["steps"][0]["with"]["fetch-depth"] == "0"
    # The artifact is the copy that opens from disk, not site/.
    [upload] = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "xem-truoc/"


def test_pull_request_summary_lists_every_problem_even_when_validation_failed() -> None:
    job = _load("pr.yml")["jobs"]["check"]
    validate = _step(job, "--format github")
    summary = _step(job, "--format summary")
    assert summary["run"] == (
        '.venv/bin/phieu validate procedures --format summary >> "$GITHUB_STEP_SUMMARY"'
    )
    assert summary["if"] == "always()"  # the step before it fails on invalid data
    assert job["steps"].index(summary) == job["steps"].index(validate) + 1


@pytest.mark.parametrize(("name", "job"), [("pr.yml", "check"), ("deploy.yml", "build")])
def test_pip_downloads_and_pdfs_are_cached(name: str, job: str) -> None:
    steps = _load(name)["jobs"][job]
    assert _caches(steps) == {"~/.cache/pip", ".cache/phieu"}
    keys = {
        s["with"]["path"]: s["with"]["key"] for s in steps["steps"] if "actions/cache@" in s.get("uses", "")
    }
    assert "hashFiles('pyproject.toml')" in keys["~/.cache/pip"]
    assert "hashFiles('procedures/**', 'theme/**')" in keys[".cache/phieu"]


def test_deploy_workflow() -> None:
    deploy = _load("deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    steps = _runs(deploy)
    assert "actions/upload-pages-artifact@" in steps
    assert "actions/deploy-pages@" in steps
    assert "phieu ledger update" in steps
    assert deploy["jobs"]["ledger"]["needs"] == "deploy"  # only URLs that were really published
    assert deploy["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "phieu build --strict --production" in _runs(deploy)  # sample data never goes public
    assert "SITE_URL" not in (ROOT / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")


def test_deploy_installs_no_browser() -> None:
    build = _load("deploy.yml")["jobs"]["build"]
    install = _step(build, "make system")
    assert install["run"].splitlines()[0] == "make system-build"
    assert "chromium" not in "\n".join(s.get("run", "") for s in build["steps"])
    assert "[test]" not in install["run"]
    # What `make system-build` would install, read from make's dry run: no Chromium.
    dry = subprocess.run(["make", "-n", "system-build"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "libharfbuzz-subset0" in dry.stdout
    assert "chromium" not in dry.stdout
    tests = subprocess.run(["make", "-n", "system"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "chromium" in tests.stdout


def test_ledger_reaches_main_through_a_pull_request() -> None:
    job = _load("deploy.yml")["jobs"]["ledger"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert job["if"] == "github.ref == 'refs/heads/main'"
    branch = job["env"]["BRANCH"]
    assert branch and branch != "main"
    script = "\n".join(step.get("run", "") for step in job["steps"])
    pushes = [line.strip() for line in script.splitlines() if "git push" in line]
    assert pushes == ['git push --force origin "HEAD:refs/heads/$BRANCH"']
    assert 'gh pr create --base main --head "$BRANCH"' in script
    assert job["env"]["GH_TOKEN"] == "${{ github.token }}"


def test_pre_commit_hooks() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "phieu-validate", "procedure-schema"} <= set(hooks)
    assert "schema/procedure.schema.json" in hooks["procedure-schema"]["entry"]
    assert all(repo["repo"] == "local" for repo in config["repos"])
    for hook in hooks.values():
        assert {"id", "name", "entry", "language"} <= set(hook)


@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_the_split_build_example_is_a_valid_workflow(schema: str) -> None:
    """The documented example that builds each office on its own runner and assembles the province."""
    example = ROOT / ".github" / "examples" / "deploy-by-office.yml"
    done = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(example)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = "\n".join(
        step.get("run", "")
        for job in yaml.load(example.read_text(encoding="utf-8"), yaml.BaseLoader)["jobs"].values()
        for step in job.get("steps", [])
    )
    assert '--office "${{ matrix.office }}"' in steps
    assert "--production --parts parts" in steps
