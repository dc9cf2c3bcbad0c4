"""A fake slurmctld behind the SlurmClient interface, and a fake user mapper.

`FakeSlurm` keeps jobs in memory, counts every call per method, and fails on demand
(`fail_next`), the way the real client would: typed errors, a lost submit answer (the job exists
but the call raises), users it does not know, fields it cannot express.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from jobbergate_agent.slurm.client import SlurmClient
from jobbergate_agent.slurm.errors import (
    SlurmAuthenticationError,
    SlurmEndpointNotServed,
    SlurmErrorItem,
    SlurmJobNotFound,
    SlurmRejected,
    UnsupportedJobField,
)
from jobbergate_agent.slurm.types import (
    FINAL_STATES,
    JobDescription,
    JobRecord,
    JobStateInfo,
    PingResult,
    SubmitResult,
)
from jobbergate_agent.user_mapper.errors import DirectoryUnavailableError, UserNotFoundError


class FakeSlurm(SlurmClient):
    def __init__(
        self,
        *,
        users: Iterable[str] = ("alice", "bob", "ubuntu"),
        accounting: bool = False,
        submit_delay: float = 0.0,
    ) -> None:
        self.version = None
        self.token_mode = "per-user HS256"
        self.users = set(users)
        self.accounting = accounting
        self.submit_delay = submit_delay
        self.jobs: dict[int, JobRecord] = {}  # what slurmctld knows
        self.accounting_jobs: dict[int, JobRecord] = {}  # what slurmdbd knows
        self.submitted: list[tuple[str, JobDescription]] = []
        self.calls: Counter[str] = Counter()
        self.log: list[tuple[str, str, Any]] = []  # (method, user, argument)
        self.failures: dict[str, list[BaseException]] = {}
        self.lose_submit_answer: BaseException | None = None
        self.unsupported: dict[str, tuple[str, ...]] = {}  # job name -> fields
        self.rejections: dict[str, SlurmRejected] = {}  # job name -> error
        self.state_query_hides: set[int] = set()  # ids the batched query leaves out
        self.concurrent = 0
        self.max_concurrent = 0
        self._next_id = 1000

    # --- test helpers ------------------------------------------------------------------------

    def fail_next(self, method: str, error: BaseException, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([error] * times)

    def set_state(self, job_id: int, state: str, reason: str | None = None) -> None:
        record = self.jobs[job_id]
        self.jobs[job_id] = self._with(record, state=state, reason=reason)

    def purge(self, job_id: int, *, to_accounting: bool = True) -> None:
        record = self.jobs.pop(job_id)
        if to_accounting:
            self.accounting_jobs[job_id] = self._with(record, source="slurmdbd")

    def add_job(self, user: str, comment: str | None, state: str = "RUNNING") -> int:
        """A job that exists in Slurm without this agent's journal knowing it."""
        job_id = self._new_id()
        self.jobs[job_id] = self._with(
            JobRecord(job_id=job_id, user_name=user, state=state, comment=comment), state=state
        )
        return job_id

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    @staticmethod
    def _with(record: JobRecord, **changes: Any) -> JobRecord:
        data = record.model_dump()
        data.update(changes)
        data["slurm_states"] = [data["state"]]
        raw = {
            k: data[k]
            for k in ("job_id", "name", "user_name", "state", "reason", "comment", "source")
        }
        data["raw"] = json.dumps(raw)
        return JobRecord(**data)

    def _enter(self, method: str, user: str, argument: Any = None) -> None:
        self.calls[method] += 1
        self.log.append((method, user, argument))
        queue = self.failures.get(method)
        if queue:
            raise queue.pop(0)

    def _check_user(self, user: str) -> None:
        if user not in self.users:
            raise SlurmAuthenticationError(
                f"slurmctld refused the token for {user}",
                status=511,
                errors=(
                    SlurmErrorItem(1007, "Protocol authentication error", "Unable to submit job"),
                ),
            )

    # --- the interface -------------------------------------------------------------------------

    async def negotiate(self) -> str:
        self._enter("negotiate", "-")
        self.version = "v0.0.42"
        return self.version

    async def ping(self, user: str) -> PingResult:
        self._enter("ping", user)
        return PingResult(version="v0.0.42", slurm_release="24.11.1", cluster="lab")

    async def check_auth(self, user: str) -> None:
        self._enter("check_auth", user)
        self._check_user(user)

    def render_submission(self, job: JobDescription) -> dict[str, Any]:
        self.calls["render_submission"] += 1
        fields = self.unsupported.get(job.name or "")
        if fields:
            raise UnsupportedJobField(fields, "v0.0.42")
        return {"job": job.fields_given()}

    async def submit(self, user: str, job: JobDescription) -> SubmitResult:
        self._enter("submit", user, job.name)
        self.concurrent += 1
        self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            if self.submit_delay:
                await asyncio.sleep(self.submit_delay)
            self._check_user(user)
            if job.name in self.rejections:
                raise self.rejections[job.name]
            job_id = self._new_id()
            self.submitted.append((user, job))
            self.jobs[job_id] = self._with(
                JobRecord(
                    job_id=job_id,
                    name=job.name,
                    user_name=user,
                    state="PENDING",
                    comment=job.comment,
                    working_directory=job.current_working_directory,
                ),
                state="PENDING",
                reason="None",
            )
            if self.lose_submit_answer is not None:
                error, self.lose_submit_answer = self.lose_submit_answer, None
                raise error
            return SubmitResult(job_id=job_id)
        finally:
            self.concurrent -= 1

    async def get_job(self, user: str, job_id: int) -> JobRecord:
        self._enter("get_job", user, job_id)
        if job_id not in self.jobs:
            raise SlurmJobNotFound(job_id)
        return self.jobs[job_id]

    async def get_job_states(self, user: str, job_ids: Iterable[int]) -> dict[int, JobStateInfo]:
        ids = list(job_ids)
        self._enter("get_job_states", user, ids)
        return {
            i: JobStateInfo(
                job_id=i,
                state=self.jobs[i].state,
                reason=self.jobs[i].reason,
                slurm_states=[self.jobs[i].state],
            )
            for i in ids
            if i in self.jobs and i not in self.state_query_hides
        }

    async def find_jobs_by_comment(self, user: str, prefix: str) -> list[JobRecord]:
        self._enter("find_jobs_by_comment", user, prefix)
        return [r for r in self.jobs.values() if (r.comment or "").startswith(prefix)]

    async def cancel(self, user: str, job_id: int) -> None:
        self._enter("cancel", user, job_id)
        record = self.jobs.get(job_id)
        if record is not None and record.state not in FINAL_STATES:
            self.set_state(job_id, "CANCELLED", f"cancelled by {user}")

    @property
    def has_accounting(self) -> bool:
        return self.accounting

    async def get_accounting_job(self, user: str, job_id: int) -> JobRecord | None:
        self._enter("get_accounting_job", user, job_id)
        if not self.accounting:
            raise SlurmEndpointNotServed("no /slurmdb here")
        return self.accounting_jobs.get(job_id)

    async def aclose(self) -> None:
        self.calls["aclose"] += 1


class FakeMapper:
    """email -> username; emails in `unknown` have no account, in `unreachable` time out."""

    name = "fake-mapper"

    def __init__(
        self, users: dict[str, str], *, unknown: Iterable[str] = (), unreachable: Iterable[str] = ()
    ) -> None:
        self.users = users
        self.unknown = set(unknown)
        self.unreachable = set(unreachable)
        self.calls: list[str] = []

    async def username_for(self, email: str) -> str:
        self.calls.append(email)
        if email in self.unreachable:
            raise DirectoryUnavailableError(f"ldap://dir.test timed out looking up {email}")
        if email in self.unknown or email not in self.users:
            raise UserNotFoundError(
                email, "ldap://dir.test under dc=test", "no entry carries this address"
            )
        return self.users[email]

    async def aclose(self) -> None:
        return None
