"""Settings: defaults, one-line errors naming the variable, and docs that match the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jobbergate_agent.cli import main
from jobbergate_agent.settings import ConfigurationError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_load_without_any_environment():
    settings = load_settings()
    assert settings.SLURM_RESTD_VERSION == "auto"
    assert settings.single_user_submitter == "ubuntu"


@pytest.mark.parametrize(
    "name,value,expected",
    [
        ("BASE_SLURMRESTD_URL", "slurmrestd:6820", "must start with http://, https:// or unix:"),
        ("BASE_SLURMRESTD_URL", "unix:", "unix: needs a socket path"),
        ("SLURM_RESTD_VERSION", "0.0.44", "must be 'auto' or a REST version"),
        ("TASK_JOBS_INTERVAL_SECONDS", "0", "greater than or equal to 1"),
        ("DEFAULT_SLURM_WORK_DIR", "home/{username}", "absolute"),
        ("SLURMRESTD_AUTH_MODE", "root", "'user' or 'proxy'"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(monkeypatch, name, value, expected):
    monkeypatch.setenv(f"JOBBERGATE_AGENT_{name}", value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"JOBBERGATE_AGENT_{name}: ") and expected in message
    assert "\n" not in message


def test_settings_come_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("JOBBERGATE_AGENT_BASE_SLURMRESTD_URL=unix:/run/rest.sock\n")
    assert load_settings().BASE_SLURMRESTD_URL == "unix:/run/rest.sock"


def test_the_cli_exits_with_the_one_line_message(monkeypatch, capsys):
    monkeypatch.setenv("JOBBERGATE_AGENT_SLURM_RESTD_VERSION", "latest")
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "JOBBERGATE_AGENT_SLURM_RESTD_VERSION" in err and "Traceback" not in err


def test_env_example_and_readme_document_every_setting():
    result = subprocess.run(
        [sys.executable, "tools/settings_doc.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    from jobbergate_agent.settings import Settings

    example = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"JOBBERGATE_AGENT_{name}=" in example
