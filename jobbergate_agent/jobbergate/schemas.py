"""What the Jobbergate API sends to the agent, parsed leniently.

Fields the agent does not use are ignored (the API adds timestamps and more over time); unset
fields are absent from the API's answers rather than null, hence the defaults.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class JobScriptFile(_Lenient):
    parent_id: int
    filename: str
    file_type: Literal["ENTRYPOINT", "SUPPORT"] | str


class JobScript(_Lenient):
    id: int
    name: str
    owner_email: str | None = None
    files: list[JobScriptFile] = Field(default_factory=list)


class SubmissionBase(_Lenient):
    id: int
    name: str


class PendingSubmission(SubmissionBase):
    """A submission in status CREATED for this cluster, waiting to become a Slurm job."""

    owner_email: str
    execution_directory: str | None = None
    sbatch_arguments: list[str] = Field(default_factory=list)
    execution_parameters: dict[str, Any] = Field(default_factory=dict)
    job_script: JobScript

    @property
    def entrypoint(self) -> JobScriptFile | None:
        """The batch script; None when the job script has no ENTRYPOINT file."""
        return next((f for f in self.job_script.files if f.file_type == "ENTRYPOINT"), None)

    @property
    def support_files(self) -> list[JobScriptFile]:
        """Every file but the entrypoint: inputs the job expects in its working directory."""
        return [f for f in self.job_script.files if f.file_type != "ENTRYPOINT"]


class ActiveSubmission(SubmissionBase):
    """A submission in status SUBMITTED or CANCELLED whose Slurm job the agent follows."""

    status: str
    slurm_job_id: int | None = None


class Page(_Lenient):
    """The envelope of every list route (fastapi-pagination)."""

    items: list[Any] = Field(default_factory=list)
    total: int | None = None
    page: int = 1
    size: int | None = None
    pages: int | None = None
