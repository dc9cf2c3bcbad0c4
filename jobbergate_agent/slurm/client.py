"""The slurmrestd client: discovery, then every operation through the negotiated adapter.

Every operation takes the Slurm username to act as; the token provider decides how that user
is authenticated (its own minted token, or a privileged one plus X-SLURM-USER-NAME).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jobbergate_agent.slurm.types import (
    JobDescription,
    JobRecord,
    JobStateInfo,
    PingResult,
    SubmitResult,
)


class SlurmClient:
    """Interface (filled in by the foundation work; see the docstrings for the contract)."""

    version: str | None  # the negotiated REST version, e.g. "v0.0.44", once negotiate() ran
    token_mode: str  # e.g. "per-user HS256", "proxy (static token)"

    async def negotiate(self) -> str:
        """Pick (or check the pinned) REST version; returns it. Raises SlurmVersionError."""
        raise NotImplementedError

    async def ping(self, user: str) -> PingResult:
        raise NotImplementedError

    async def check_auth(self, user: str) -> None:
        """A cheap authenticated read that proves Slurm accepts the token for `user`."""
        raise NotImplementedError

    def render_submission(self, job: JobDescription) -> dict[str, Any]:
        """The exact JSON body submit() would send (raises UnsupportedJobField)."""
        raise NotImplementedError

    async def submit(self, user: str, job: JobDescription) -> SubmitResult:
        """Submit as `user`. Never retried blindly. Raises SlurmRejected, UnsupportedJobField,
        SlurmAuthenticationError, SlurmConnectionError..."""
        raise NotImplementedError

    async def get_job(self, user: str, job_id: int) -> JobRecord:
        """Raises SlurmJobNotFound once slurmctld no longer knows the job."""
        raise NotImplementedError

    async def get_job_states(self, user: str, job_ids: Iterable[int]) -> dict[int, JobStateInfo]:
        """States of many jobs in as few requests as the version allows; ids slurmctld does
        not know are absent from the result."""
        raise NotImplementedError

    async def find_jobs_by_comment(self, user: str, prefix: str) -> list[JobRecord]:
        """Jobs slurmctld knows whose comment starts with `prefix` (for reconciliation)."""
        raise NotImplementedError

    async def cancel(self, user: str, job_id: int) -> None:
        """Cancel as `user`; an already finished job is not an error."""
        raise NotImplementedError

    @property
    def has_accounting(self) -> bool:
        """Whether /slurmdb paths are served (known after negotiate())."""
        raise NotImplementedError

    async def get_accounting_job(self, user: str, job_id: int) -> JobRecord | None:
        """The job as slurmdbd recorded it, or None if slurmdbd has no such job.
        Raises SlurmEndpointNotServed when the cluster has no accounting."""
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError
