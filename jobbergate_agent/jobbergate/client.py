"""The agent's client of the Jobbergate API (see JOBBERGATE-API.md): it knows nothing of Slurm."""

from __future__ import annotations

from typing import Any

import httpx

from jobbergate_agent.jobbergate.schemas import ActiveSubmission, PendingSubmission
from jobbergate_agent.settings import Settings


class JobbergateClient:
    def __init__(
        self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._transport = transport

    async def pending_submissions(self) -> list[PendingSubmission]:
        raise NotImplementedError

    async def active_submissions(self) -> list[ActiveSubmission]:
        raise NotImplementedError

    async def download_file(self, parent_id: int, filename: str) -> bytes:
        raise NotImplementedError

    async def mark_submitted(
        self,
        submission_id: int,
        *,
        slurm_job_id: int,
        slurm_job_state: str,
        slurm_job_info: str,
        slurm_job_state_reason: str | None,
    ) -> None:
        raise NotImplementedError

    async def mark_rejected(self, submission_id: int, report_message: str) -> None:
        raise NotImplementedError

    async def update_submission(
        self,
        submission_id: int,
        *,
        slurm_job_id: int | None,
        slurm_job_state: str,
        slurm_job_info: str,
        slurm_job_state_reason: str | None,
    ) -> None:
        raise NotImplementedError

    async def report_status(self, interval: int) -> None:
        raise NotImplementedError

    async def check_token(self) -> dict[str, Any]:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> JobbergateClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
