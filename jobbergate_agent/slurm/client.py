"""The slurmrestd client: discovery, then every operation through the negotiated adapter.

Every operation takes the Slurm username to act as; the token provider decides how that user
is authenticated (its own minted token, or a privileged one plus X-SLURM-USER-NAME). Transport
policy (timeouts, retries) lives in `transport`, payload shapes in the adapters; this module
only sequences requests and decides what an answer means.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from loguru import logger

from jobbergate_agent.slurm.adapters import SUPPORTED_VERSIONS, Adapter, get_adapter
from jobbergate_agent.slurm.errors import (
    SlurmAuthenticationError,
    SlurmEndpointNotServed,
    SlurmError,
    SlurmInvalidResponse,
    SlurmJobNotFound,
    SlurmRejected,
    SlurmUnknownUser,
    SlurmVersionError,
)
from jobbergate_agent.slurm.tokens import TokenProvider
from jobbergate_agent.slurm.transport import Response, Transport, classify
from jobbergate_agent.slurm.types import (
    JobDescription,
    JobRecord,
    JobStateInfo,
    PingResult,
    SubmitResult,
)

ALREADY_DONE = 2021
UNKNOWN_USER = 6010  # "Rejecting authentication of user nobody or group nobody"
INVALID_JOB_ID = 2017


def unknown_user_message(user: str, ran_as: str | None = None, job_id: int | None = None) -> str:
    text = f"Slurm does not know the user {user}: there is no such account on the cluster"
    if ran_as:
        text += f" (job {job_id} would have run as {ran_as}; it was cancelled)"
    return text


class SlurmClient:
    def __init__(
        self,
        transport: Transport,
        tokens: TokenProvider,
        *,
        version: str = "auto",
        probe_user: str = "root",
    ) -> None:
        self.transport = transport
        self.tokens = tokens
        self.token_mode = tokens.mode
        self.requested_version = version
        self.probe_user = probe_user
        self.version: str | None = None
        self.served_versions: list[str] = []
        self._adapter: Adapter | None = None
        self._accounting: bool | None = None
        # For versions without /jobs/state/: the last full listing, and when it was taken.
        self._listing: tuple[int, dict[int, JobStateInfo]] | None = None

    # --- negotiation ---------------------------------------------------------------------------
    async def _served(self, path: str) -> bool:
        """Whether slurmrestd routes `path`: an unknown path is a plain-text 404."""
        response = await self.transport.request(
            "GET", path, what=f"probe {path}", headers=self.tokens.headers_for(self.probe_user)
        )
        return not (response.status == 404 and not response.errors)

    async def negotiate(self) -> str:
        """Pick the newest REST version both sides speak (or check the pinned one)."""
        if self.version is not None:
            return self.version
        if self.requested_version != "auto":
            if self.requested_version not in SUPPORTED_VERSIONS:
                raise SlurmVersionError(
                    f"SLURM_RESTD_VERSION={self.requested_version} is not one the agent speaks "
                    f"({', '.join(SUPPORTED_VERSIONS)})"
                )
            candidates: tuple[str, ...] = (self.requested_version,)
        else:
            candidates = SUPPORTED_VERSIONS
        for version in candidates:
            if await self._served(get_adapter(version).ping_path()):
                self._select(version)
                await self.detect_accounting()
                return version
        served = await self._list_served()
        if self.requested_version != "auto":
            raise SlurmVersionError(
                f"slurmrestd at {self.transport.base_url} does not serve "
                f"{self.requested_version}; it serves {', '.join(served) or 'none of v0.0.36-46'}"
                "; set SLURM_RESTD_VERSION to one of those or to auto"
            )
        raise SlurmVersionError(
            f"slurmrestd at {self.transport.base_url} serves no REST version the agent speaks "
            f"(it serves {', '.join(served) or 'none of v0.0.36-46'}; the agent speaks "
            f"{', '.join(SUPPORTED_VERSIONS)})"
        )

    async def _list_served(self) -> list[str]:
        served = []
        for minor in range(46, 35, -1):
            version = f"v0.0.{minor}"
            if await self._served(f"/slurm/{version}/ping/"):
                served.append(version)
        self.served_versions = served
        return served

    def _select(self, version: str) -> None:
        self.version = version
        self._adapter = get_adapter(version)
        logger.info(
            "slurmrestd at {} speaks REST {} ({})",
            self.transport.base_url,
            version,
            self.token_mode,
        )

    @property
    def adapter(self) -> Adapter:
        if self._adapter is None:
            raise RuntimeError("negotiate() first")
        return self._adapter

    async def _ready(self) -> Adapter:
        if self._adapter is None:
            await self.negotiate()
        return self.adapter

    # --- requests ------------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        user: str,
        *,
        what: str,
        params: list[tuple[str, str]] | None = None,
        body: Any = None,
        idempotent: bool = True,
        job_id: int | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Response:
        """One operation; a refused token is renewed and the request tried once more, since a
        refused request did nothing on the Slurm side."""
        for attempt in (1, 2):
            response = await self.transport.request(
                method,
                path,
                what=what,
                headers=self.tokens.headers_for(user),
                params=params,
                body=body,
                idempotent=idempotent,
            )
            if response.status in ok and not (response.errors and response.status != 200):
                return response
            error = classify(
                response,
                what,
                job_id=job_id,
                auth_errors=self._adapter.auth_error_numbers if self._adapter else frozenset(),
            )
            if isinstance(error, SlurmAuthenticationError) and attempt == 1:
                self.tokens.invalidate(user)
                continue
            raise error
        raise AssertionError("unreachable")

    @staticmethod
    def _json(response: Response, what: str) -> dict[str, Any]:
        if not isinstance(response.data, dict):
            raise SlurmInvalidResponse(
                f"{what}: slurmrestd sent no JSON object (HTTP {response.status}, "
                f"{response.content_type or 'no content type'})"
            )
        return response.data

    # --- operations ----------------------------------------------------------------------------
    async def ping(self, user: str) -> PingResult:
        adapter = await self._ready()
        response = await self._call("GET", adapter.ping_path(), user, what="ping")
        return adapter.parse_ping(self._json(response, "ping"))

    async def check_auth(self, user: str) -> None:
        """A cheap authenticated read: on 24.11+ ping answers 200 whatever the token, but a
        job listing goes to slurmctld, which checks it."""
        adapter = await self._ready()
        await self._call(
            "GET",
            adapter.jobs_path(),
            user,
            what=f"authenticated read as {user}",
            params=adapter.changed_since_query(int(time.time())),
            ok=(200, 304),
        )

    def render_submission(self, job: JobDescription) -> dict[str, Any]:
        return self.adapter.render_submission(job)

    async def submit(self, user: str, job: JobDescription) -> SubmitResult:
        adapter = await self._ready()
        body = adapter.render_submission(job)
        what = f"submit job {job.name or ''} as {user}".replace("  ", " ")
        response = await self._submit_call(user, what, body)
        result = adapter.parse_submit(self._json(response, what))
        for warning in result.warnings:
            logger.warning(
                "Slurm job {} submitted as {} with a warning: {}", result.job_id, user, warning
            )
        result.record = await self._check_owner(user, result.job_id)
        return result

    async def _submit_call(self, user: str, what: str, body: dict[str, Any]) -> Response:
        adapter = self.adapter
        try:
            return await self._call(
                "POST", adapter.submit_path(), user, what=what, body=body, idempotent=False
            )
        except SlurmRejected as error:
            if UNKNOWN_USER in error.error_numbers:  # 26.05 refuses an unresolvable user
                raise SlurmUnknownUser(
                    user, unknown_user_message(user), status=error.status, errors=error.errors
                ) from None
            raise

    async def _check_owner(self, user: str, job_id: int) -> JobRecord | None:
        """Slurm up to 25.x accepts a token for a user it cannot resolve and runs the job as
        nobody. Read the job back: it runs as `user`, or not at all."""
        try:
            record = await self.get_job(user, job_id)
        except SlurmError as error:  # the job exists; the loop reads it again later
            logger.warning(
                "could not read back Slurm job {} after submitting it: {}", job_id, error
            )
            return None
        if record.user_name != user:  # "" or None: an id without a name, 99 (nobody)
            try:
                await self.cancel(user, job_id)
            except SlurmError as error:
                logger.error(
                    "Slurm job {} runs as {} instead of {} and could not be cancelled: {}",
                    job_id,
                    record.user_name,
                    user,
                    error,
                )
            ran_as = record.user_name or f"uid {record.user_id}"
            raise SlurmUnknownUser(user, unknown_user_message(user, ran_as, job_id))
        return record

    async def get_job(self, user: str, job_id: int) -> JobRecord:
        adapter = await self._ready()
        what = f"read job {job_id}"
        response = await self._call("GET", adapter.job_path(job_id), user, what=what, job_id=job_id)
        records = [r for r in adapter.parse_jobs(self._json(response, what)) if r.job_id == job_id]
        if not records:
            raise SlurmJobNotFound(job_id, f"{what}: slurmctld no longer knows job {job_id}")
        return records[0]

    async def get_job_states(self, user: str, job_ids: Iterable[int]) -> dict[int, JobStateInfo]:
        wanted = sorted(set(job_ids))
        if not wanted:
            return {}
        adapter = await self._ready()
        if adapter.has_state_endpoint:
            try:
                response = await self._call(
                    "GET",
                    adapter.states_path(),
                    user,
                    what=f"read the state of {len(wanted)} job(s)",
                    params=adapter.states_query(wanted),
                )
                states = adapter.parse_states(self._json(response, "job states"))
                return {job_id: states[job_id] for job_id in wanted if job_id in states}
            except SlurmError as error:
                # One id slurmctld forgot fails the whole request: fall back to the listing.
                if INVALID_JOB_ID not in error.error_numbers:
                    raise
        listing = await self._listing_states(user, adapter)
        return {job_id: listing[job_id] for job_id in wanted if job_id in listing}

    async def _listing_states(self, user: str, adapter: Adapter) -> dict[int, JobStateInfo]:
        """States of every job slurmctld knows, from one /jobs request. slurmctld answers
        `update_time` with everything, or with nothing when no job changed since then (304 on
        22.05, an empty list with a warning later)."""
        since = self._listing[0] if self._listing else 0
        started = int(time.time())
        response = await self._call(
            "GET",
            adapter.jobs_path(),
            user,
            what="list jobs",
            params=adapter.changed_since_query(since),
            ok=(200, 304),
        )
        if response.status == 304 and self._listing is not None:
            return self._listing[1]
        records = adapter.parse_jobs(self._json(response, "list jobs"))
        if records or self._listing is None:
            states = {
                r.job_id: JobStateInfo(
                    job_id=r.job_id, state=r.state, slurm_states=r.slurm_states, reason=r.reason
                )
                for r in records
            }
            # A second's margin: a change within the same second as the listing is seen again.
            self._listing = (started - 1, states)
        return self._listing[1]

    async def find_jobs_by_comment(self, user: str, prefix: str) -> list[JobRecord]:
        adapter = await self._ready()
        response = await self._call("GET", adapter.jobs_path(), user, what="list jobs")
        records = adapter.parse_jobs(self._json(response, "list jobs"))
        return [r for r in records if (r.comment or "").startswith(prefix)]

    async def cancel(self, user: str, job_id: int) -> None:
        adapter = await self._ready()
        what = f"cancel job {job_id} as {user}"
        try:
            await self._call("DELETE", adapter.job_path(job_id), user, what=what, job_id=job_id)
        except SlurmError as error:
            if ALREADY_DONE in error.error_numbers:
                return
            raise

    @property
    def has_accounting(self) -> bool:
        return bool(self._accounting)

    async def detect_accounting(self) -> bool:
        """Whether slurmrestd serves /slurmdb for the negotiated version (asked once)."""
        if self._accounting is None:
            adapter = await self._ready()
            self._accounting = await self._served(adapter.db_probe_path())
            logger.info(
                "slurmrestd {} accounting (slurmdbd) paths",
                "serves" if self._accounting else "does not serve",
            )
        return self._accounting

    async def get_accounting_job(self, user: str, job_id: int) -> JobRecord | None:
        adapter = await self._ready()
        if not await self.detect_accounting():
            raise SlurmEndpointNotServed(
                f"read job {job_id} from accounting: this slurmrestd serves no /slurmdb paths"
            )
        what = f"read job {job_id} from accounting"
        try:
            response = await self._call(
                "GET", adapter.db_job_path(job_id), user, what=what, job_id=job_id
            )
        except SlurmJobNotFound:
            return None
        records = [
            r for r in adapter.parse_db_jobs(self._json(response, what)) if r.job_id == job_id
        ]
        # An array or requeued job has several records: the last is the newest.
        return records[-1] if records else None

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> SlurmClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
