"""`abm init DIR`: the scaffold passes its own checks, and its CI files say what they should.

The workflow and the pre-commit configuration are read with PyYAML, and the `abm` commands
they hold are run from inside the new repository, so the test runs the checks a push would.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from abmdsl.__about__ import __version__
from abmdsl.cli import main
from abmdsl.cli_init import FILES, PARTS, WORKFLOW, scaffold

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "abmdsl" / "scaffold"


def abm(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    status, out, err = abm("init", "pilots")
    assert status == 0, err
    assert "created pilots/playbooks/pharma_pilot.abm" in out
    return tmp_path / "pilots"


def load_yaml(path: Path) -> dict[Any, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def workflow_steps(folder: Path) -> list[dict[str, Any]]:
    workflow = load_yaml(folder / WORKFLOW)
    [job] = workflow["jobs"].values()
    steps: list[dict[str, Any]] = job["steps"]
    return steps


# ---------------------------------------------------------------- what is written
def test_init_writes_the_scaffold(made: Path) -> None:
    assert files_under(made) == sorted(target for _, target in FILES)
    # The sample is the seed pilot and its data, byte for byte: after changing the seed, copy
    # it (and playbooks/data/*.csv) into abmdsl/scaffold/playbooks/ as well.
    seeds = ["pharma_pilot.abm", *(f"data/{n}.csv" for n in ("accounts", "contacts", "activities"))]
    for name in seeds:
        seed = (ROOT / "playbooks" / name).read_bytes()
        assert (made / "playbooks" / name).read_bytes() == seed, f"copy the seed's {name}"
    readme = (made / "README.md").read_text(encoding="utf-8")
    for command in ("abm check playbooks/", "abm fmt playbooks/", "abm test playbooks/"):
        assert command in readme
    assert "@" + "ABM_VERSION@" not in readme and __version__ in readme


def test_every_template_is_written_or_used() -> None:
    known = {template for template, _ in FILES} | set(PARTS)
    assert set(files_under(TEMPLATES)) == known


def test_the_scaffold_passes_its_own_checks(made: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(made)  # as the workflow runs them: from the repository's root
    # The diff step compares with the pull request's base branch, which a fresh scaffold
    # has not got: it has its own test below.
    commands = [
        step["run"]
        for step in workflow_steps(made)
        if step.get("run", "").startswith("abm ") and "abm diff" not in step["run"]
    ]
    assert len(commands) == 3
    for command in commands:
        status, out, err = abm(*shlex.split(command)[1:])
        assert status == 0, f"{command}\n{out}{err}"
    hook = load_yaml(made / ".pre-commit-config.yaml")["repos"][0]["hooks"][0]
    staged = [name for _, name in FILES if re.search(hook["files"], name)]
    assert staged == ["playbooks/pharma_pilot.abm"]
    status, out, err = abm(*shlex.split(hook["entry"])[1:], *staged)
    assert status == 0, out + err


def scenarios(folder: Path) -> subprocess.CompletedProcess[str]:
    """pytest in ``folder``, as its workflow runs it: from the repository's root, the steps
    from the installed abmdsl (its pytest11 plugin), none of this project's configuration."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTHONPATH")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_scaffold_s_scenarios_pass(made: Path) -> None:
    ran = scenarios(made)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "3 passed" in ran.stdout


def test_a_scenario_of_the_scaffold_fails_when_the_playbook_changes(made: Path) -> None:
    playbook = made / "playbooks" / "pharma_pilot.abm"
    text = playbook.read_text(encoding="utf-8")
    assert "at most 5 accounts" in text
    playbook.write_text(text.replace("at most 5 accounts", "at most 6 accounts"), "utf-8")
    ran = scenarios(made)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "1 failed" in ran.stdout


def test_the_workflow_checks_formats_and_tests(made: Path) -> None:
    workflow = load_yaml(made / WORKFLOW)
    # PyYAML reads the key `on` as the boolean true (YAML 1.1); GitHub reads it as "on".
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"push", "pull_request"}
    steps = workflow_steps(made)
    runs = [step.get("run", "") for step in steps]
    assert f'pip install "abmdsl[testing]=={__version__}"' in runs
    assert "pytest" in runs  # the scenarios
    assert "abm check --format github playbooks/" in runs
    assert any(r.startswith("abm fmt --check") for r in runs)
    assert "abm test playbooks/" in runs
    assert [s["uses"].split("@")[0] for s in steps if "uses" in s] == [
        "actions/checkout",
        "actions/setup-python",
    ]
    # `abm diff` exists, so the pull-request step is on, and only on pull requests.
    [diff] = [s for s in steps if "abm diff" in s.get("run", "")]
    assert diff["if"] == "github.event_name == 'pull_request'"
    assert "does not exist yet" not in (made / WORKFLOW).read_text(encoding="utf-8")


def test_the_diff_step_is_switched_on_once_abm_diff_exists(tmp_path: Path) -> None:
    scaffold(tmp_path / "later", diff=True)
    [step] = [s for s in workflow_steps(tmp_path / "later") if "abm diff" in s.get("run", "")]
    assert step["if"] == "github.event_name == 'pull_request'"
    assert "${{ github.base_ref }}" in step["run"]
    assert "does not exist yet" not in (tmp_path / "later" / WORKFLOW).read_text()


def test_the_pre_commit_hook_checks_the_layout(made: Path) -> None:
    config = load_yaml(made / ".pre-commit-config.yaml")
    [repo] = config["repos"]
    [hook] = repo["hooks"]
    assert repo["repo"] == "local"
    assert hook["entry"] == "abm fmt --check"
    assert hook["language"] == "python"
    assert hook["additional_dependencies"] == [f"abmdsl=={__version__}"]
    assert re.search(hook["files"], "playbooks/x.abm") and not re.search(hook["files"], "x.md")


# ---------------------------------------------------------------- what is refused
def test_a_folder_that_is_not_empty_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    status, out, err = abm("init", str(tmp_path))
    assert status == 2 and "is not empty" in err and "--force" in err
    assert "Traceback" not in err and out == ""
    assert files_under(tmp_path) == ["notes.txt"]


def test_a_fresh_git_repository_counts_as_empty(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert abm("init", str(tmp_path))[0] == 0
    assert (tmp_path / WORKFLOW).is_file()


def test_force_writes_what_is_missing_and_keeps_what_is_there(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("our own README\n")
    status, out, _ = abm("init", "--force", str(tmp_path))
    assert status == 0
    assert (tmp_path / "README.md").read_text() == "our own README\n"
    assert f"kept {tmp_path.as_posix()}/README.md" in out
    assert (tmp_path / "playbooks" / "pharma_pilot.abm").is_file()
    again = abm("init", "--force", str(tmp_path))[1]
    assert "created" not in again and again.count("kept") == len(FILES)


def test_a_file_in_the_way_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "playbooks").write_text("a file where the folder goes\n")
    status, _, err = abm("init", "--force", str(tmp_path))
    assert status == 2 and "is a file, where a folder would go" in err
    assert files_under(tmp_path) == ["playbooks"]
    (tmp_path / "playbooks").unlink()
    (tmp_path / "README.md").mkdir()
    status, _, err = abm("init", "--force", str(tmp_path))
    assert status == 2 and "in the way" in err
    assert files_under(tmp_path) == []


def test_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("")
    status, _, err = abm("init", str(tmp_path / "x"))
    assert status == 2 and "is a file, not a folder" in err


def test_a_folder_that_cannot_be_written_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)  # tests often run as root: chmod would not do
    status, _, err = abm("init", str(tmp_path / "new"))
    assert status == 2 and "Permission denied" in err and "Traceback" not in err


def test_init_without_a_folder_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_:
        abm("init")
    assert exit_.value.code == 2


# ---------------------------------------------------------------- packaging
@pytest.mark.slow
def test_the_wheel_holds_the_scaffold(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path, ROOT],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = tmp_path.glob("abmdsl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"abmdsl/scaffold/{t}" for t, _ in FILES} | {f"abmdsl/scaffold/{p}" for p in PARTS}
    assert wanted <= names, sorted(wanted - names)
