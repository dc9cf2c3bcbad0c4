"""A minimal stand-in for `jobbergate_agent.slurm.sbatch`, used until the translator lands.

Same call and same results as the real one (`build_job`, `BuiltJob`, `TranslationError`,
`describe_unsupported`), but it only carries the script, the job name, the working directory
and the base environment. Anything it cannot carry (sbatch arguments, support files) is a
`TranslationError`, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.errors import UnsupportedJobField
from jobbergate_agent.slurm.types import JobDescription


class TranslationError(Exception):
    """The submission cannot become a Slurm job; the message is for the submission's owner."""


@dataclass
class BuiltJob:
    job: JobDescription
    options: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)

    def origin_of(self, field_name: str) -> str | None:
        """Where a JobDescription field came from (e.g. "#SBATCH line 4"), if known."""
        return self.origins.get(field_name)


def build_job(
    entrypoint_name: str,
    entrypoint: bytes,
    *,
    sbatch_arguments: Sequence[str],
    support_files: Mapping[str, bytes],
    username: str,
    execution_directory: str | None,
    job_name: str | None,
    settings: Settings,
) -> BuiltJob:
    try:
        script = entrypoint.decode("utf-8")
    except UnicodeDecodeError:
        raise TranslationError(
            f"{entrypoint_name} is not UTF-8 text; save the batch script as UTF-8 and submit again"
        ) from None
    if not script.startswith("#!"):
        raise TranslationError(
            f"{entrypoint_name} does not start with an interpreter line such as #!/bin/bash; "
            "add one as its first line"
        )
    if sbatch_arguments:
        raise TranslationError(
            f"sbatch arguments ({' '.join(sbatch_arguments)}) are not supported by this agent "
            "build yet; put them in the script as #SBATCH lines"
        )
    if support_files:
        raise TranslationError(
            f"support files ({', '.join(sorted(support_files))}) are not supported by this "
            "agent build yet; submit the batch script alone"
        )
    directory = execution_directory or settings.DEFAULT_SLURM_WORK_DIR.format(username=username)
    environment = dict(settings.JOB_BASE_ENVIRONMENT)
    environment.update(HOME=f"/home/{username}", USER=username, LOGNAME=username)
    job = JobDescription(
        script=script,
        name=job_name or entrypoint_name,
        current_working_directory=directory,
        environment=environment,
    )
    return BuiltJob(job=job, origins={"current_working_directory": "the submission"})


def describe_unsupported(built: BuiltJob, error: UnsupportedJobField) -> str:
    where = [
        f"{name} (from {built.origin_of(name)})" if built.origin_of(name) else name
        for name in error.fields
    ]
    return (
        f"this cluster's slurmrestd ({error.version}) cannot express {', '.join(where)}; "
        "remove those options and submit again"
    )
