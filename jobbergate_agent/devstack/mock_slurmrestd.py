"""A mock slurmrestd for `make run` and unit tests: no Slurm, no root, real shapes.

It pretends to be one Slurm release (`PROFILES`: 22.05 serving v0.0.38; 24.11 serving
v0.0.40-42 without /slurmdb; 26.05 serving v0.0.42-45 with /slurmdb) and answers as the lab's
real servers did (tests/fixtures/slurmrestd, compared by tests/unit/devstack):

- auth as slurmrestd + slurmctld do it: X-SLURM-USER-TOKEN (or, from 23.02, Authorization:
  Bearer; never both) with X-SLURM-USER-NAME (required on 22.05); HS256 checked with the mock's
  own key, `exp` checked, `sun` (or `username`) is the user; `slurm` and `root` may act for the
  X-SLURM-USER-NAME user, others get 1007. No token headers: 401 text/plain. A bad token: 500
  with -1 "Unspecified error" (22.05) or 511 with 1007 (24.11+), except ping on 24.11+,
  which answers 200 (the controller shows as not responding);
- submissions checked like the real server (mock_slurmrestd_submit); jobs live on a clock
  (mock_slurmrestd_jobs), optionally really executed (`execute=True`); bodies per version in
  mock_slurmrestd_shapes and mock_slurmrestd_records;
- every error response carries `Connection: close`; unknown paths are 404 text/plain;
  `/openapi/v3` serves the release's dump from openapi/ when the repository has it.

Run it:  python -m jobbergate_agent.devstack.mock_slurmrestd --port 6820 --profile 26.05 \
             --jwt-key PATH [--execute]     (127.0.0.1 only; the key is made if missing)
In tests: `MockSlurmrestd(key, "26.05").client()` is an httpx.AsyncClient over
httpx.ASGITransport; `.transport()` gives the transport alone; `.token(user)` a valid token.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from jobbergate_agent.devstack.mock_slurmrestd_jobs import JobStore, MockJob
from jobbergate_agent.devstack.mock_slurmrestd_profiles import (
    AUTH_ERROR,
    CONVERSION_FAILED,
    FAIL_PARSING,
    INVALID_JOB_ID,
    INVALID_QUERY,
    PROFILES,
    Profile,
    SlurmError,
)
from jobbergate_agent.devstack.mock_slurmrestd_shapes import Shapes
from jobbergate_agent.devstack.mock_slurmrestd_submit import read_submission

PRIVILEGED_USERS = frozenset({"slurm", "root"})
OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"  # the lab's dumps, in the repo
_PATH = re.compile(r"^/(slurm|slurmdb)/(v0\.0\.\d+)(/.*)?$")


@dataclass
class Identity:
    """Who a request acts as. `problem` is set when slurmctld would reject the token."""

    user: str
    token_user: str | None
    problem: str | None = None

    def require(self, source: str, description: str) -> None:
        """Raise what slurmctld's rejection of the token looks like for this call."""
        if self.problem:
            raise SlurmError(AUTH_ERROR, description, source)


class AuthRejected(Exception):
    """Rejected by slurmrestd itself, before any handler: 401 text/plain."""


class MockSlurmrestd:
    def __init__(
        self,
        jwt_key: bytes,
        profile: str | Profile = "26.05",
        *,
        execute: bool = False,
        pending_seconds: float = 1.0,
        run_seconds: float = 2.0,
        min_job_age: float = 5.0,
        execute_timeout: float = 60.0,
        partitions: tuple[str, ...] = ("debug", "long"),
        cluster: str = "mock",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.jwt_key = jwt_key
        self.partitions = partitions
        self.cluster = cluster
        self.clock = clock
        self.store = JobStore(
            pending_seconds=pending_seconds,
            run_seconds=run_seconds,
            min_job_age=min_job_age,
            execute=execute,
            execute_timeout=execute_timeout,
            clock=clock,
            default_partition=partitions[0],
        )
        self.requests = 0
        self.app = Starlette(
            routes=[
                Route(
                    "/{path:path}",
                    self._dispatch,
                    methods=["GET", "POST", "DELETE", "PUT", "PATCH"],
                )
            ],
            lifespan=self._lifespan,
        )

    # --- helpers for tests and the runner -------------------------------------------------

    def transport(self) -> httpx.ASGITransport:
        """An httpx transport into this app, for a client built elsewhere (e.g. SlurmClient)."""
        return httpx.ASGITransport(app=self.app)

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx client talking to this app in-process."""
        return httpx.AsyncClient(
            transport=self.transport(), base_url="http://mock-slurmrestd", **kwargs
        )

    def token(self, user: str, lifespan: int = 1800) -> str:
        """A token this mock accepts (what `scontrol token` would print)."""
        now = int(self.clock())
        return jwt.encode(
            {"sun": user, "iat": now, "exp": now + lifespan}, self.jwt_key, algorithm="HS256"
        )

    def close(self) -> None:
        self.store.close()

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        # As a server, move jobs along even when nobody asks (scripts start on time).
        async def tick() -> None:
            while True:
                self.store.advance()
                await asyncio.sleep(0.2)

        task = asyncio.create_task(tick())
        try:
            yield
        finally:
            task.cancel()
            self.close()

    # --- auth -------------------------------------------------------------------------------

    def _identify(self, request: Request) -> Identity:
        headers = request.headers
        token = headers.get("x-slurm-user-token")
        bearer = None
        authorization = headers.get("authorization", "")
        if self.profile.bearer and authorization.lower().startswith("bearer "):
            bearer = authorization[7:].strip()
        if token and bearer:
            raise AuthRejected("ambiguous: X-SLURM-USER-TOKEN and Authorization: Bearer")
        token = token or bearer
        if not token:
            raise AuthRejected("no token")
        header_user = headers.get("x-slurm-user-name")
        if self.profile.user_header_required and not header_user:
            raise AuthRejected("X-SLURM-USER-NAME missing")
        try:
            # slurmctld checks the signature and `exp` (against its own clock), never `iat`
            claims = jwt.decode(
                token,
                self.jwt_key,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return Identity(header_user or "nobody", None, "Invalid token")
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires < self.clock():
            return Identity(header_user or "nobody", None, "Expired token")
        token_user = claims.get("sun") or claims.get("username")
        if not isinstance(token_user, str) or not token_user:
            return Identity(header_user or "nobody", None, "Token has no user name")
        if header_user and header_user != token_user and token_user not in PRIVILEGED_USERS:
            # slurmctld: "attempt to authenticate as alternate user"
            return Identity(header_user, token_user, "Attempt to act as another user")
        return Identity(header_user or token_user, token_user)

    # --- dispatch ---------------------------------------------------------------------------

    async def _dispatch(self, request: Request) -> Response:
        self.requests += 1
        try:
            identity = self._identify(request)
        except AuthRejected:
            return self._text(401, "Authentication failure")
        path = "/" + request.path_params["path"]
        if path.rstrip("/") in ("/openapi/v3", "/openapi", "/openapi.json"):
            return self._openapi()
        match = _PATH.match(path)
        if not match:
            return self._text(404, self.profile.not_found_text)
        plugin, version, rest = match.group(1), match.group(2), (match.group(3) or "/")
        served = self.profile.versions if plugin == "slurm" else self.profile.slurmdb_versions
        if version not in served:
            return self._text(404, self.profile.not_found_text)
        route = self._route(plugin, rest.rstrip("/") or "/")
        if route is None:
            return self._text(404, self.profile.not_found_text)
        handlers, args = route
        handler = handlers.get(request.method)
        if handler is None:
            return self._text(405, "Method Not Allowed")
        shapes = Shapes(version, self.profile, self.cluster, identity.user)
        try:
            self.store.advance()
            status, body = await handler(request, shapes, identity, *args)
        except SlurmError as exc:
            status, body = shapes.failure(exc, handler.__name__)
        except _TextAnswer as answer:
            return self._text(answer.status, answer.text)
        if body is None:
            return Response(status_code=status)
        return self._json(status, body)

    def _route(self, plugin: str, path: str) -> tuple[dict[str, Any], tuple[Any, ...]] | None:
        if plugin == "slurm":
            if path == "/ping":
                return {"GET": self._ping}, ()
            if path == "/job/submit":
                return {"POST": self._submit}, ()
            if path == "/jobs":
                return {"GET": self._jobs}, ()
            if path == "/jobs/state":
                return {"GET": self._job_states}, ()
            if match := re.fullmatch(r"/job/([^/]+)", path):
                return {"GET": self._job, "DELETE": self._cancel}, (match.group(1),)
        elif plugin == "slurmdb":
            if path == "/ping":  # 26.05 answers it; the agent probes it to detect accounting
                return {"GET": self._ping}, ()
            if path == "/jobs":
                return {"GET": self._db_jobs}, ()
            if match := re.fullmatch(r"/job/([^/]+)", path):
                return {"GET": self._db_job}, (match.group(1),)
        return None

    def _openapi(self) -> Response:
        """The real server's document for this release, when the repository has it."""
        document = OPENAPI_DIR / f"slurm-{self.profile.release}.json"
        if not document.is_file():
            return self._text(404, self.profile.not_found_text)
        return Response(document.read_bytes(), media_type="application/json")

    def _text(self, status: int, text: str) -> Response:
        return PlainTextResponse(text, status_code=status, headers={"Connection": "close"})

    def _json(self, status: int, body: Any) -> Response:
        headers = {"Connection": "close"} if status >= 400 else {}
        return JSONResponse(body, status_code=status, headers=headers)

    # --- handlers: each returns (status, body) or raises SlurmError --------------------------

    async def _ping(self, request: Request, shapes: Shapes, identity: Identity) -> Any:
        if self.profile.ping_checks_token:
            identity.require("slurm_ping()", "Unable to ping")
        return 200, shapes.ping(token_ok=identity.problem is None)

    async def _submit(self, request: Request, shapes: Shapes, identity: Identity) -> Any:
        identity.require("slurm_submit_batch_job()", "Batch job submission failed")
        raw = await request.body()
        if "json" not in request.headers.get("content-type", ""):
            raise SlurmError(FAIL_PARSING, "Unable to parse the request body", "_job_post")
        try:
            body = json.loads(raw or b"null")
        except ValueError as exc:
            raise SlurmError(FAIL_PARSING, f"Unable to parse JSON: {exc}", "_job_post") from exc
        spec, warnings, errors = read_submission(
            shapes.version, body, identity.user, self.partitions, self.profile
        )
        job = self.store.submit(spec)
        return 200, shapes.submit_response(job, warnings, errors)

    async def _job(self, request: Request, shapes: Shapes, identity: Identity, raw_id: str) -> Any:
        identity.require("slurm_load_job()", f"Unable to query JobId={raw_id}")
        job = self.store.get(_job_id(raw_id))
        if job is None:
            if shapes.n <= 38:
                raise SlurmError(INVALID_JOB_ID, f"Unable to find JobId={raw_id}", "slurm_load_job")
            raise SlurmError(INVALID_JOB_ID, f"Unable to query JobId={raw_id}", "_handle_job_get")
        return 200, shapes.job_info_response([self._view(job)])

    async def _jobs(self, request: Request, shapes: Shapes, identity: Identity) -> Any:
        identity.require("slurm_load_jobs()", "Unable to query jobs")
        raw = request.query_params.get("update_time")
        if not raw:
            return 200, shapes.job_info_response([self._view(job) for job in self.store.active()])
        since = _update_time(raw, shapes.n, self.clock())
        changed = self.store.changed_since(since)
        if changed:
            return 200, shapes.job_info_response([self._view(job) for job in changed])
        if shapes.n <= 38:
            return 304, None  # 22.05: "not modified", empty body
        return 200, shapes.job_info_response([], warnings=[shapes.no_change_warning(int(since))])

    async def _job_states(self, request: Request, shapes: Shapes, identity: Identity) -> Any:
        identity.require("slurm_load_job_state()", "Unable to query job states")
        values = request.query_params.getlist("job_id")
        if any("," in value for value in values):
            # a comma list is not accepted (repeat job_id instead): router-level text answer
            raise _TextAnswer(
                *(
                    (400, "Unable to parse query.")
                    if self.profile.release < "25"
                    else (500, "Unspecified error")
                )
            )
        jobs = self.store.active()
        if values:
            ids = {_job_id(value) for value in values}
            jobs = [job for job in jobs if job.job_id in ids]
        return 200, shapes.job_state_response(jobs)

    async def _cancel(
        self, request: Request, shapes: Shapes, identity: Identity, raw_id: str
    ) -> Any:
        identity.require("slurm_kill_job()", f"Unable to signal JobId={raw_id}")
        job_id = _job_id(raw_id)
        job = self.store.get(job_id)
        if job is not None and job.user != identity.user and identity.user not in PRIVILEGED_USERS:
            raise SlurmError(
                2002, f"unable to kill JobId={raw_id}: Access/permission denied", "slurm_kill_job"
            )
        outcome = self.store.cancel(job_id, identity.user)
        if outcome == "unknown" and shapes.n <= 38:
            raise SlurmError(
                INVALID_JOB_ID,
                f"unable to kill JobId={raw_id} with signal 9: Invalid job id specified",
                "slurm_kill_job",
            )
        # v0.0.40+ answer 200 even for an unknown job (v0.0.42+ say so in `status`)
        return 200, shapes.cancel_response(job_id, outcome)

    async def _db_job(
        self, request: Request, shapes: Shapes, identity: Identity, raw_id: str
    ) -> Any:
        identity.require("slurmdb_jobs_get()", "Unable to query jobs")
        job = self.store.get_accounting(_job_id(raw_id))
        return 200, shapes.slurmdb_jobs_response([self._view(job)] if job else [])

    async def _db_jobs(self, request: Request, shapes: Shapes, identity: Identity) -> Any:
        identity.require("slurmdb_jobs_get()", "Unable to query jobs")
        users = request.query_params.get("users")
        self.store.advance()
        jobs = list(self.store.jobs.values())
        if users:
            wanted = set(users.split(","))
            jobs = [job for job in jobs if job.user in wanted]
        return 200, shapes.slurmdb_jobs_response([self._view(job) for job in jobs])

    def _view(self, job: MockJob) -> dict[str, Any]:
        """The facts every shape is rendered from."""
        return {
            "job": job,
            "stdout": self.store.output_path(job, job.spec.standard_output),
            "stderr": self.store.output_path(
                job, job.spec.standard_error or job.spec.standard_output
            ),
        }


class _TextAnswer(Exception):
    """An answer slurmrestd's router gives itself, as text/plain."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


_RELATIVE_TIME = re.compile(r"^now(?:([+-])(\d+)(seconds?|minutes?|hours?|days?)?)?$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _update_time(raw: str, n: int, now: float) -> float:
    """`update_time` as each version parses it: epoch seconds (v0.0.38, v0.0.42+), `now` and
    `now-N<unit>` (v0.0.40+); 24.11's v0.0.40/41 reject a plain epoch (9202 then 9000, 422)."""
    if raw.isdigit() and (n <= 38 or n >= 42):
        return float(raw)
    match = _RELATIVE_TIME.match(raw)
    if n >= 40 and match:
        sign, amount, unit = match.groups()
        offset = int(amount or 0) * _UNIT_SECONDS[(unit or "s")[0]]
        return now - offset if sign == "-" else now + offset
    if n <= 38:
        raise SlurmError(FAIL_PARSING, f"Unable to parse update_time {raw!r}", "_op_handler_jobs")
    raise SlurmError(
        CONVERSION_FAILED,
        f"Parsing of {raw} for timestamp failed",
        "#/update_time/",
        status=422,
        bare=True,
        items=[
            {
                "description": f"Parsing of {raw} for timestamp failed",
                "error_number": CONVERSION_FAILED,
                "error": "Unable to convert Data type",
                "source": "#/update_time/",
            },
            {
                "description": "Rejecting request. Failure parsing query.",
                "error_number": INVALID_QUERY,
                "error": "Query empty or not RFC7320 compliant",
                "source": "op_handler_jobs",
            },
        ],
    )


def _job_id(raw: str) -> int:
    try:
        job_id = int(raw)
    except ValueError as exc:
        raise SlurmError(INVALID_JOB_ID, f"Invalid job id {raw!r}", "_handle_job_get") from exc
    if job_id <= 0 or job_id >= 0x03FFFFFF:
        raise SlurmError(INVALID_JOB_ID, f"Invalid job id {raw!r}", "_handle_job_get")
    return job_id


# --- runner --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description="Run a mock slurmrestd on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=6820)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="26.05")
    parser.add_argument(
        "--jwt-key",
        type=Path,
        required=True,
        help="HS256 key file (created with 32 random bytes if missing)",
    )
    parser.add_argument(
        "--execute",
        action="store_true",
        help="really run batch scripts with /bin/sh (as the current user)",
    )
    parser.add_argument("--pending-seconds", type=float, default=1.0)
    parser.add_argument("--run-seconds", type=float, default=2.0)
    parser.add_argument("--min-job-age", type=float, default=5.0)
    parser.add_argument("--execute-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    key_path: Path = args.jwt_key
    if not key_path.exists():
        import os

        key_path.parent.mkdir(parents=True, exist_ok=True)
        key_path.write_bytes(os.urandom(32))
        key_path.chmod(0o600)
    mock = MockSlurmrestd(
        key_path.read_bytes(),
        args.profile,
        execute=args.execute,
        pending_seconds=args.pending_seconds,
        run_seconds=args.run_seconds,
        min_job_age=args.min_job_age,
        execute_timeout=args.execute_timeout,
    )
    profile = mock.profile
    print(
        f"mock slurmrestd (Slurm {profile.release}, REST {', '.join(profile.versions)}"
        f"{', slurmdb' if profile.slurmdb_versions else ''}) on http://127.0.0.1:{args.port}"
        f"{' executing scripts' if args.execute else ''}",
        flush=True,
    )
    uvicorn.run(mock.app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
