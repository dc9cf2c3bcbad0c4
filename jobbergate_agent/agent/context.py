"""What the three tasks share: the clients, the journal, and the start-up reconciliation.

The Jobbergate client and the Slurm client never see each other; this module and the tasks
next to it are the only place both are used.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from jobbergate_agent.agent.components import Translator, UserMapper
from jobbergate_agent.agent.journal import Journal, JournalEntry
from jobbergate_agent.agent.tags import cluster_prefix, submission_id_from_comment
from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.client import SlurmClient
from jobbergate_agent.slurm.errors import SlurmEndpointNotServed, SlurmJobNotFound
from jobbergate_agent.slurm.types import JobRecord

NOBODY = frozenset({"nobody", "99"})


class SubmitInFlight(Exception):
    """A submit without an answer may still be in flight; try again later."""

    transient = True


def event(
    submission_id: int,
    text: str,
    *,
    user: str | None = None,
    job_id: int | None = None,
    level: str = "INFO",
) -> None:
    """One log line per submission event, always naming the submission, user and job."""
    logger.log(
        level,
        "submission {} [user {}, Slurm job {}]: {}",
        submission_id,
        user or "-",
        job_id if job_id is not None else "-",
        text,
    )


@dataclass
class TaskOutcome:
    """How one run of one task went; `ok` is False when something must be retried."""

    name: str
    ok: bool = True
    counts: Counter[str] = field(default_factory=Counter)
    error: str | None = None

    def fail(self, what: str) -> None:
        self.ok = False
        self.counts[what] += 1

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "nothing to do"
        return f"{self.name}: {'ok' if self.ok else 'FAILED'} ({counts})" + (
            f": {self.error}" if self.error else ""
        )


class AgentContext:
    def __init__(
        self,
        settings: Settings,
        *,
        jobbergate: JobbergateClient,
        slurm: SlurmClient,
        mapper: UserMapper,
        journal: Journal,
        translator: Translator,
    ) -> None:
        self.settings = settings
        self.jobbergate = jobbergate
        self.slurm = slurm
        self.mapper = mapper
        self.journal = journal
        self.translator = translator
        self.client_id = settings.OIDC_CLIENT_ID
        # Slurm requests that act for nobody in particular (state queries, reconciliation).
        self.service_user = settings.X_SLURM_USER_NAME
        # Jobs found in Slurm by their comment tag at start-up: submission id -> job.
        self.tag_index: dict[int, JobRecord] = {}
        self.reconciled = False
        self.negotiated = False
        # Submissions the pending task is working on right now; the active task leaves them be.
        self.in_flight: set[int] = set()
        self._ready_lock = asyncio.Lock()

    async def ensure_negotiated(self) -> None:
        async with self._ready_lock:
            if not self.negotiated:
                await self.slurm.negotiate()  # logs the version and the token mode
                self.negotiated = True

    async def ensure_reconciled(self) -> None:
        """Once per process, before anything is submitted: learn which jobs in Slurm carry this
        agent's tag, so that a lost journal cannot lead to a second job for a submission."""
        await self.ensure_negotiated()
        async with self._ready_lock:
            if self.reconciled:
                return
            index = await self.refresh_tag_index()
            self.reconciled = True
            known = self.journal.all()
            missing = sorted(set(index) - {s for s, e in known.items() if e.slurm_job_id})
            logger.info(
                "reconciled with Slurm: {} job(s) carry this agent's tag{}",
                len(index),
                f"; {len(missing)} not in the journal: {missing}" if missing else "",
            )

    async def refresh_tag_index(self) -> dict[int, JobRecord]:
        """Every job slurmctld knows that carries this agent's tag, by submission id (one
        query, whatever the number of submissions)."""
        records = await self.slurm.find_jobs_by_comment(
            self.service_user, cluster_prefix(self.client_id)
        )
        index = {}
        for record in records:
            submission_id = submission_id_from_comment(self.client_id, record.comment)
            # A job that ran as nobody is the husk of a submit for a user Slurm does not know
            # (the client cancels it and the submission is rejected): it stands for no job.
            if submission_id is not None and record.user_name not in NOBODY:
                index[submission_id] = record
        self.tag_index = index
        return index

    @property
    def submit_grace_seconds(self) -> float:
        """How long after an unanswered submit Slurm is asked whether the job exists: long
        enough for a request still being processed by slurmrestd to have finished."""
        return 2 * self.settings.SLURMRESTD_TIMEOUT

    def check_submit_settled(self, entry: JournalEntry) -> None:
        """Raise SubmitInFlight while an unanswered submit may still be creating its job."""
        age = entry.seconds_since_update()
        if entry.slurm_job_id is None and age < self.submit_grace_seconds:
            raise SubmitInFlight(
                f"a submit sent {age:.0f} s ago got no answer; Slurm is asked whether the job "
                f"exists once {self.submit_grace_seconds:.0f} s have passed"
            )

    async def find_tagged_job(self, submission_id: int) -> JobRecord | None:
        """Ask Slurm now (not the start-up index) for a job tagged with this submission."""
        prefix = f"{cluster_prefix(self.client_id)}{submission_id}"
        for record in await self.slurm.find_jobs_by_comment(self.service_user, prefix):
            if submission_id_from_comment(self.client_id, record.comment) == submission_id:
                return record
        return None

    async def lookup_job(self, user: str, job_id: int) -> tuple[JobRecord | None, bool]:
        """The job from slurmctld, else from accounting. Returns (record, accounting_checked);
        (None, _) means found nowhere. Transient errors propagate: they prove nothing."""
        try:
            return await self.slurm.get_job(user, job_id), False
        except SlurmJobNotFound:
            pass
        if not self.slurm.has_accounting:
            return None, False
        try:
            return await self.slurm.get_accounting_job(user, job_id), True
        except SlurmEndpointNotServed:
            return None, False

    def owner_of(self, submission_id: int, record: JobRecord | None = None) -> str | None:
        entry = self.journal.get(submission_id)
        if entry is not None and entry.username:
            return entry.username
        return record.user_name if record is not None else None


def state_reason(reason: str | None) -> str | None:
    """Slurm says "None" when a job has no reason; Jobbergate shows the reason to people, so
    no reason is null, not the word None."""
    return None if reason is None or reason.strip() in ("", "None") else reason


def record_reason(record: JobRecord) -> str | None:
    """The reason Jobbergate shows for a job: Slurm's, made readable where it only names a
    category (a failed job's "NonZeroExitCode" says nothing of the code)."""
    reason = state_reason(record.reason)
    if record.state in ("FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "TIMEOUT", "CANCELLED"):
        if record.exit_signal:
            detail = f"the job script was ended by signal {record.exit_signal}"
        elif record.exit_code:
            detail = f"the job script exited with code {record.exit_code}"
        else:
            return reason
        return f"{reason}: {detail}" if reason else detail
    return reason


def describe(error: BaseException) -> str:
    """An error as one line for logs (never a traceback for an expected failure)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def is_transient(error: BaseException) -> bool:
    transient: Any = getattr(error, "transient", None)
    if transient is not None:
        return bool(transient)
    return isinstance(error, (OSError, TimeoutError, asyncio.TimeoutError))
