"""The Dockerfile, without a container engine: what it says, and its build step replayed.

There is no docker or podman here, so the image is checked in two ways: the Dockerfile is
parsed (base image, locked install without dev dependencies, non-root user, cache volume,
entrypoint), and its `uv sync --frozen --no-dev --no-editable` is run into a scratch venv
with this machine's Python 3.11, which must then run `jg-run` and import every runtime module
without any dev-only package."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [value for kw, value in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str | None:
        values = self.all(keyword)
        return values[-1] if values else None


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages of a Dockerfile: continuation lines joined, comments dropped, ARG defaults
    declared before the first FROM substituted into FROM lines."""
    joined = re.sub(r"\\\n", " ", text)
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, value = line.partition(" ")
        keyword, value = keyword.upper(), " ".join(value.split())
        if keyword == "ARG" and not stages:
            name, _, default = value.partition("=")
            args[name] = default
        elif keyword == "FROM":
            base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m.group(1) or m.group(2)], value)
            image, _, alias = base.partition(" AS ") if " AS " in base else (base, "", "")
            stages.append(Stage(image.strip(), alias.strip() or None))
        else:
            assert stages, f"{keyword} before any FROM"
            stages[-1].instructions.append((keyword, value))
    return stages


STAGES = parse_dockerfile((REPO / "Dockerfile").read_text())
BUILD = next(s for s in STAGES if s.name == "build")
FINAL = STAGES[-1]


def env_of(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for value in stage.all("ENV"):
        env.update(item.split("=", 1) for item in shlex.split(value))
    return env


def test_both_stages_use_the_python_3_11_slim_image():
    assert len(STAGES) == 2
    for stage in STAGES:
        assert stage.base.startswith("python:3.11-slim"), stage.base


def test_dependencies_come_from_the_lock_without_dev_packages():
    runs = BUILD.all("RUN")
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--frozen" in r and "--no-dev" in r for r in syncs), syncs
    assert "UV_PYTHON_DOWNLOADS" in env_of(BUILD) and env_of(BUILD)["UV_PYTHON_DOWNLOADS"] == (
        "never"
    )
    # What it copies exists, and the venv it builds is the one the final stage runs.
    for copy in BUILD.all("COPY"):
        for source in copy.split()[:-1]:
            assert (REPO / source).exists(), source
    venv = env_of(BUILD)["UV_PROJECT_ENVIRONMENT"]
    assert f"--from=build {venv} {venv}" in FINAL.all("COPY")
    assert env_of(FINAL)["PATH"].startswith(f"{venv}/bin:")


def test_it_runs_jg_run_as_an_unprivileged_user_with_the_cache_as_a_volume():
    user = FINAL.last("USER")
    assert user is not None
    name = user.split(":")[0]
    assert name not in ("root", "0")
    created = " ".join(FINAL.all("RUN"))
    uid = re.search(rf"useradd [^&]*--uid (\d+)[^&]* {re.escape(name)}\b", created)
    assert uid and int(uid.group(1)) >= 1000, created
    volumes = json.loads(FINAL.last("VOLUME") or "[]")
    cache = env_of(FINAL)["JOBBERGATE_AGENT_CACHE_DIR"]
    assert volumes == [cache]
    assert re.search(rf"install -d -o {name} -g {name} -m 0700 {re.escape(cache)}", created)
    assert json.loads(FINAL.last("ENTRYPOINT") or "null") == ["jg-run"]
    assert FINAL.last("STOPSIGNAL") == "SIGTERM"
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["jg-run"] == "jobbergate_agent.cli:main"


def test_the_build_step_gives_a_venv_that_runs_the_agent_without_dev_packages(tmp_path):
    venv = tmp_path / "venv"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))},
        **env_of(BUILD),
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON": "/usr/bin/python3.11",  # (the image's is /usr/local/bin/python3.11)
    }
    command = ["uv", "sync", "--frozen", "--no-dev", "--no-editable", "--quiet"]
    result = subprocess.run(
        [*command, "--offline"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:  # a cold uv cache: the same, from the index
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    help_text = subprocess.run(
        [venv / "bin/jg-run", "--help"], capture_output=True, text=True, timeout=60
    )
    assert help_text.returncode == 0 and "check" in help_text.stdout, help_text
    imports = (
        "import jobbergate_agent.commands.run, jobbergate_agent.commands.check, "
        "jobbergate_agent.agent.loop, jobbergate_agent.agent.assemble, "
        "jobbergate_agent.slurm.factory, jobbergate_agent.user_mapper, "
        "jobbergate_agent.slurm.sbatch, importlib.util as u; "
        "print([m for m in ('starlette', 'uvicorn', 'pytest', 'respx') if u.find_spec(m)])"
    )
    checked = subprocess.run(
        [venv / "bin/python", "-c", imports], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "[]"  # no dev package made it into the image
    # With a wrong setting it stops at once with one line naming it (exit 2), as in a container.
    bad = subprocess.run(
        [venv / "bin/jg-run", "--once"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "JOBBERGATE_AGENT_BASE_SLURMRESTD_URL": "ftp://x"},
    )
    assert bad.returncode == 2 and "JOBBERGATE_AGENT_BASE_SLURMRESTD_URL" in bad.stderr, bad
