"""Helpers for the translator tests: build a job from a script text and arguments."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.sbatch import BuiltJob, build_job


@pytest.fixture
def settings() -> Settings:
    return Settings()


def make(
    script: str, args: Sequence[str] = (), *, settings: Settings | None = None, **kwargs
) -> BuiltJob:  # type: ignore[no-untyped-def]
    kwargs.setdefault("username", "jgalice")
    return build_job(
        "job.sh", script.encode(), sbatch_arguments=args, settings=settings or Settings(), **kwargs
    )


def directives(*lines: str) -> str:
    """A bash script whose header holds the given #SBATCH lines."""
    return "#!/bin/bash\n" + "".join(f"#SBATCH {line}\n" for line in lines) + "echo hi\n"


def fields(script: str, args: Sequence[str] = (), **kwargs) -> dict:  # type: ignore[no-untyped-def]
    """The fields set, without the script, environment and working directory the agent adds."""
    built = make(script, args, **kwargs)
    given = built.job.fields_given()
    for name in ("script", "environment", "current_working_directory", "name"):
        given.pop(name, None)
    if "standard_input" in built.agent_fields:  # sbatch's /dev/null default
        given.pop("standard_input", None)
    return given
