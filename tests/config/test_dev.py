"""dev.py reinstalls requirements only when a requirements file (or one it includes) changed."""

import pytest

import dev


def test_requirement_files_follow_includes(tmp_path):
    (tmp_path / "base.txt").write_text("Django==5.2.19\n")
    (tmp_path / "dev.txt").write_text("-r base.txt  # runtime\npytest==9.2.0\n")

    assert dev.requirement_files(tmp_path / "dev.txt") == [tmp_path / "dev.txt", tmp_path / "base.txt"]


def test_digest_changes_when_an_included_file_changes(tmp_path):
    (tmp_path / "base.txt").write_text("Django==5.2.19\n")
    (tmp_path / "dev.txt").write_text("-r base.txt\npytest==9.2.0\n")
    before = dev.digest(tmp_path / "dev.txt")

    (tmp_path / "base.txt").write_text("Django==5.2.20\n")

    assert dev.digest(tmp_path / "dev.txt") != before


def test_the_project_requirements_are_pinned():
    for path in dev.requirement_files(dev.ROOT / "requirements-dev.txt"):
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r"):
                assert "==" in line, f"{path.name}: {line} is not pinned"


def test_run_takes_only_the_development_switch():
    assert dev.run_server_env([]) == {}
    assert dev.run_server_env(["--dev"]) == {"MARGINLAB_DEV_SERVER": "1"}
    with pytest.raises(SystemExit, match="takes only --dev"):
        dev.run_server_env(["--prod"])


def test_check_runs_every_step_and_fails_when_mypy_does(monkeypatch, capsys):
    ran = []
    monkeypatch.setattr(dev, "prepare", lambda requirements: None)
    monkeypatch.setattr(dev.subprocess, "call", lambda step, **kwargs: ran.append(step) or int(step[0].name == "mypy"))

    assert dev.check([]) == 1

    assert [step[0].name for step in ran] == ["ruff", "ruff", dev.PYTHON.name, "mypy"]
    assert capsys.readouterr().err.strip() == "check failed: .venv/bin/mypy"
