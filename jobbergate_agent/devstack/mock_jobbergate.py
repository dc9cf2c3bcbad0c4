"""A mock of the Jobbergate API and its OIDC server, for `make run` and end-to-end tests.

It behaves like the real server as JOBBERGATE-API.md describes it, errors included: RS256 client
credentials tokens carrying `azp` and `permissions`, 401/403 on bad tokens or permissions,
pages of at most 100 items, the submission status machine with its 400/403/404/409/422 answers,
raw-byte file downloads and the cluster heartbeat. The state lives in `MockJobbergate`, so tests
can seed it and read it back; `/admin/...` routes do the same over HTTP when it runs as a
server (`python -m jobbergate_agent.devstack.mock_jobbergate --port N`, 127.0.0.1 only).
"""

from __future__ import annotations

import argparse
import functools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request

from jobbergate_agent.devstack.loopback_server import LoopbackServer

READ = "jobbergate:job-submissions:read"
UPDATE = "jobbergate:job-submissions:update"
SCRIPTS_READ = "jobbergate:job-scripts:read"
CLUSTERS_UPDATE = "jobbergate:clusters:update"
ADMIN = "jobbergate:admin"
AGENT_PERMISSIONS = (READ, UPDATE, SCRIPTS_READ, CLUSTERS_UPDATE)

DEFAULT_CLIENT_ID = "jobbergate-agent"
DEFAULT_CLIENT_SECRET = "mock-client-secret"
REALM = "jobbergate-local"

# What the API does with each reported Slurm state (anything else keeps the status).
ABORT_STATES = frozenset(
    {"BOOT_FAIL", "CANCELLED", "DEADLINE", "FAILED", "NODE_FAIL", "PREEMPTED", "SPECIAL_EXIT",
     "TIMEOUT", "UNKNOWN"}
)  # fmt: skip
DONE_STATES = frozenset({"COMPLETED"})


class ApiError(Exception):
    """An answer other than success, as FastAPI would send it."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


# --- state -------------------------------------------------------------------------------------


@dataclass
class OidcClient:
    client_id: str
    secret: str
    permissions: tuple[str, ...] = AGENT_PERMISSIONS


@dataclass
class ScriptFile:
    filename: str
    file_type: str
    content: bytes


@dataclass
class JobScriptRow:
    id: int
    name: str
    owner_email: str
    files: dict[str, ScriptFile] = field(default_factory=dict)


@dataclass
class SubmissionRow:
    id: int
    name: str
    owner_email: str
    client_id: str
    job_script_id: int
    status: str = "CREATED"
    execution_directory: str | None = None
    sbatch_arguments: list[str] = field(default_factory=list)
    slurm_job_id: int | None = None
    slurm_job_state: str | None = None
    slurm_job_info: str | None = None
    slurm_job_state_reason: str | None = None
    report_message: str | None = None
    # JobProgress rows: one per change of slurm_job_state (REJECTED included), as the API keeps.
    history: list[str] = field(default_factory=list)
    # Every call the agent made about this submission: (route, body), for tests.
    reports: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "client_id": self.client_id,
            "status": self.status,
            "slurm_job_id": self.slurm_job_id,
            "slurm_job_state": self.slurm_job_state,
            "slurm_job_state_reason": self.slurm_job_state_reason,
            "slurm_job_info": self.slurm_job_info,
            "report_message": self.report_message,
            "history": list(self.history),
            "reports": len(self.reports),
        }


@dataclass
class ClusterStatusRow:
    interval: int
    last_reported: float

    @property
    def is_healthy(self) -> bool:
        return self.last_reported >= time.time() - self.interval


@dataclass
class Fault:
    """Answer `status` instead of serving the next `remaining` matching requests."""

    method: str
    path_prefix: str
    status: int
    remaining: int = 1
    detail: str = "Injected failure"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.lru_cache(maxsize=1)
def _shared_key() -> rsa.RSAPrivateKey:
    # Generating an RSA key takes a noticeable fraction of a second: one per process is enough,
    # unless a test wants mocks that reject each other's tokens (fresh_key=True).
    return _new_key()


class MockJobbergate:
    """The API's in-memory state and rules; `app` serves them over HTTP."""

    def __init__(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_lifetime: int = 300,
        issuer: str = f"http://127.0.0.1/realms/{REALM}",
        fresh_key: bool = False,
    ) -> None:
        self.token_lifetime = token_lifetime
        self.issuer = issuer
        self.clients: dict[str, OidcClient] = {}
        self.add_client(client_id, client_secret)
        self.default_client_id = client_id
        self.job_scripts: dict[int, JobScriptRow] = {}
        self.submissions: dict[int, SubmissionRow] = {}
        self.cluster_status: dict[str, ClusterStatusRow] = {}
        self.tokens_issued = 0
        # (method, path) of every API request, for tests that count calls.
        self.requests: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        # One line per change of a submission, for people watching `make run` and for tests.
        self.events: list[str] = []
        self.echo = False
        self._key = _new_key() if fresh_key else _shared_key()
        self._kid = uuid.uuid4().hex[:16]
        self._next_script_id = 1
        self._next_submission_id = 1
        self.app = self._build_app()

    # --- seeding and user actions (what the API's users would do) ------------------------------

    def add_client(
        self, client_id: str, secret: str, permissions: tuple[str, ...] = AGENT_PERMISSIONS
    ) -> None:
        self.clients[client_id] = OidcClient(client_id, secret, tuple(permissions))

    def add_job_script(
        self,
        name: str,
        files: dict[str, bytes | str],
        *,
        entrypoint: str,
        owner_email: str = "alice@example.com",
    ) -> int:
        """A job script; `files` maps filename to content, `entrypoint` names the batch script."""
        if entrypoint not in files:
            raise ValueError(f"entrypoint {entrypoint!r} is not one of the files")
        row = JobScriptRow(self._next_script_id, name, owner_email)
        self._next_script_id += 1
        for filename, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            file_type = "ENTRYPOINT" if filename == entrypoint else "SUPPORT"
            row.files[filename] = ScriptFile(filename, file_type, data)
        self.job_scripts[row.id] = row
        return row.id

    def add_submission(
        self,
        job_script_id: int,
        name: str,
        *,
        owner_email: str | None = None,
        client_id: str | None = None,
        execution_directory: str | None = None,
        sbatch_arguments: list[str] | None = None,
        slurm_job_id: int | None = None,
    ) -> int:
        """As POST /job-submissions: CREATED, or SUBMITTED when a slurm_job_id is given."""
        script = self.job_scripts[job_script_id]
        arguments = list(sbatch_arguments or [])
        if len(arguments) > 50 or any(len(a) > 255 for a in arguments):
            raise ValueError("sbatch_arguments: at most 50 items of at most 255 characters")
        row = SubmissionRow(
            id=self._next_submission_id,
            name=name,
            owner_email=owner_email or script.owner_email,
            client_id=client_id or self.default_client_id,
            job_script_id=job_script_id,
            status="SUBMITTED" if slurm_job_id is not None else "CREATED",
            execution_directory=execution_directory or None,
            sbatch_arguments=arguments,
            slurm_job_id=slurm_job_id,
        )
        self._next_submission_id += 1
        self.submissions[row.id] = row
        return row.id

    def cancel(self, submission_id: int) -> None:
        """As a user's PUT /job-submissions/cancel/{id}: CREATED or SUBMITTED become CANCELLED."""
        row = self._row(submission_id)
        if row.status not in ("CREATED", "SUBMITTED"):
            raise ApiError(
                400, f"Job Submission {submission_id} cannot be cancelled from status {row.status}"
            )
        before, row.status = row.status, "CANCELLED"
        self._event(row, before, "cancelled by its owner")

    def _event(self, row: SubmissionRow, before: str, what: str) -> None:
        change = f"{before} -> {row.status}" if before != row.status else row.status
        line = f"submission {row.id} ({row.name}): {change}, {what}"
        self.events.append(line)
        if self.echo:
            print(f"mock Jobbergate: {line}", flush=True)

    def delete_submission(self, submission_id: int) -> None:
        self._row(submission_id)
        del self.submissions[submission_id]

    def add_fault(self, method: str, path_prefix: str, status: int, count: int = 1) -> None:
        """Make the next `count` requests to paths starting with `path_prefix` fail."""
        self.faults.append(Fault(method.upper(), path_prefix, status, count))

    def take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and path.startswith(fault.path_prefix):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def snapshot(self, submission_id: int) -> dict[str, Any]:
        return self._row(submission_id).snapshot()

    # --- tokens --------------------------------------------------------------------------------

    def issue_token(
        self, client_id: str, *, lifetime: int | None = None, permissions: Any = None
    ) -> str:
        """An RS256 JWT as the OIDC server would sign it for this client."""
        now = int(time.time())
        client = self.clients.get(client_id)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)),
            "azp": client_id,
            "typ": "Bearer",
            "iat": now,
            "exp": now + (self.token_lifetime if lifetime is None else lifetime),
            "jti": uuid.uuid4().hex,
            "permissions": list(
                permissions if permissions is not None else client.permissions if client else ()
            ),
        }
        self.tokens_issued += 1
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self._kid, "use": "sig", "alg": "RS256"}]}

    def _claims(self, request: Request) -> dict[str, Any]:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials:
            raise ApiError(401, "Not authenticated")
        try:
            claims = jwt.decode(
                credentials,
                self._key.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False, "require": ["exp", "sub"]},
            )
        except jwt.PyJWTError:
            raise ApiError(401, "Not authenticated") from None
        return dict(claims)

    def _authorize(self, request: Request, permission: str, *, admin_ok: bool = True) -> str:
        """The caller's client_id, once its token and permissions are checked."""
        claims = self._claims(request)
        held = claims.get("permissions") or []
        if permission not in held and not (admin_ok and ADMIN in held):
            raise ApiError(403, "Not authorized")
        client_id = claims.get("azp") or claims.get("client_id")
        if not client_id:
            raise ApiError(400, "Access token does not contain client_id")
        return str(client_id)

    # --- rules of the agent routes -------------------------------------------------------------

    def _row(self, submission_id: int) -> SubmissionRow:
        row = self.submissions.get(submission_id)
        if row is None:
            raise ApiError(404, f"JobSubmission with id={submission_id} not found.")
        return row

    def _own_row(self, submission_id: int, client_id: str) -> SubmissionRow:
        row = self._row(submission_id)
        if row.client_id != client_id:
            raise ApiError(403, "Mismatch on attribute(s): client_id")
        return row

    @staticmethod
    def _record_state(row: SubmissionRow, state: str) -> None:
        if not row.history or row.history[-1] != state:
            row.history.append(state)

    def mark_submitted(self, client_id: str, body: dict[str, Any]) -> None:
        row = self._own_row(body["id"], client_id)
        row.reports.append(("submitted", body))
        if row.status not in ("CREATED", "CANCELLED"):
            raise ApiError(400, "Only CREATED Job Submissions can be marked as SUBMITTED")
        row.slurm_job_id = body["slurm_job_id"]
        row.slurm_job_state = body["slurm_job_state"]
        row.slurm_job_info = body["slurm_job_info"]
        row.slurm_job_state_reason = body.get("slurm_job_state_reason")
        row.report_message = row.slurm_job_state_reason
        before = row.status
        if row.status == "CREATED":
            row.status = "SUBMITTED"
        self._record_state(row, body["slurm_job_state"])
        self._event(row, before, f"Slurm job {row.slurm_job_id} {row.slurm_job_state}")

    def mark_rejected(self, client_id: str, body: dict[str, Any]) -> None:
        row = self._own_row(body["id"], client_id)
        row.reports.append(("rejected", body))
        if row.status != "CREATED":
            raise ApiError(400, "Only CREATED Job Submissions can be marked as REJECTED")
        row.status = "REJECTED"
        row.report_message = body["report_message"]
        self._record_state(row, "REJECTED")
        self._event(row, "CREATED", f"reason: {row.report_message}")

    def update(self, client_id: str, submission_id: int, body: dict[str, Any]) -> None:
        row = self._own_row(submission_id, client_id)
        row.reports.append(("update", body))
        if row.status not in ("SUBMITTED", "CANCELLED"):
            raise ApiError(
                400,
                f"Only SUBMITTED or CANCELLED Job Submissions can be updated; "
                f"job submission {submission_id} is {row.status}",
            )
        slurm_job_id = body.get("slurm_job_id")
        if slurm_job_id != row.slurm_job_id:
            raise ApiError(
                409,
                f"Slurm job id mismatch for job submission {submission_id}: "
                f"stored {row.slurm_job_id}, got {slurm_job_id}",
            )
        state = body["slurm_job_state"]
        before, before_state = row.status, row.slurm_job_state
        row.slurm_job_state = state
        row.slurm_job_info = body["slurm_job_info"]
        row.slurm_job_state_reason = body.get("slurm_job_state_reason")
        self._record_state(row, state)
        if state in DONE_STATES:
            row.status = "DONE"
        elif state in ABORT_STATES:
            row.status = "ABORTED"
            row.report_message = row.slurm_job_state_reason
        if before != row.status or before_state != state:
            reason = f" ({row.slurm_job_state_reason})" if row.slurm_job_state_reason else ""
            self._event(row, before, f"Slurm job {row.slurm_job_id} {state}{reason}")

    def report_status(self, client_id: str, interval: int) -> None:
        self.cluster_status[client_id] = ClusterStatusRow(interval, time.time())

    def pending_items(self, client_id: str) -> list[dict[str, Any]]:
        items = []
        for row in sorted(self.submissions.values(), key=lambda r: r.id):
            if row.status != "CREATED" or row.client_id != client_id:
                continue
            script = self.job_scripts[row.job_script_id]
            item = {
                "id": row.id,
                "name": row.name,
                "owner_email": row.owner_email,
                "execution_directory": row.execution_directory,
                "sbatch_arguments": row.sbatch_arguments,
                "execution_parameters": {},
                "job_script": {
                    "id": script.id,
                    "name": script.name,
                    "owner_email": script.owner_email,
                    "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-01T00:00:00Z",
                    "is_archived": False,
                    "files": [
                        {
                            "parent_id": script.id,
                            "filename": f.filename,
                            "file_type": f.file_type,
                            "created_at": "2026-01-01T00:00:00Z",
                            "updated_at": "2026-01-01T00:00:00Z",
                        }
                        for f in script.files.values()
                    ],
                },
            }
            # The API serialises with exclude_none: unset fields are absent, not null.
            items.append({k: v for k, v in item.items() if v is not None})
        return items

    def active_items(self, client_id: str) -> list[dict[str, Any]]:
        return [
            {"id": r.id, "name": r.name, "status": r.status, "slurm_job_id": r.slurm_job_id}
            for r in sorted(self.submissions.values(), key=lambda r: r.id)
            if r.status in ("SUBMITTED", "CANCELLED") and r.client_id == client_id
        ]

    # --- HTTP ----------------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        from jobbergate_agent.devstack.mock_jobbergate_http import build_app

        return build_app(self)


class MockJobbergateServer:
    """Serves a MockJobbergate over real HTTP on 127.0.0.1, in a thread, while in `with`.

    Port 0 (the default) takes a free port. `env()` gives the agent settings that point at it.
    """

    def __init__(self, mock: MockJobbergate, port: int = 0) -> None:
        self.mock = mock
        self._server = LoopbackServer(mock.app, name="mock Jobbergate API", port=port)

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def oidc_domain(self) -> str:
        return f"127.0.0.1:{self.port}/realms/{REALM}"

    def env(self, client_id: str | None = None) -> dict[str, str]:
        client = self.mock.clients[client_id or self.mock.default_client_id]
        return {
            "JOBBERGATE_AGENT_BASE_API_URL": self.url,
            "JOBBERGATE_AGENT_OIDC_DOMAIN": self.oidc_domain,
            "JOBBERGATE_AGENT_OIDC_USE_HTTPS": "false",
            "JOBBERGATE_AGENT_OIDC_CLIENT_ID": client.client_id,
            "JOBBERGATE_AGENT_OIDC_CLIENT_SECRET": client.secret,
        }

    def __enter__(self) -> MockJobbergateServer:
        self._server.start()
        self.mock.issuer = f"{self.url}/realms/{REALM}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop(timeout=10)


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from jobbergate_agent.devstack.seed import seed

    parser = argparse.ArgumentParser(description="Run the mock Jobbergate API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--token-lifetime", type=int, default=300, help="seconds")
    parser.add_argument("--no-seed", action="store_true", help="start with no submissions")
    args = parser.parse_args(argv)

    mock = MockJobbergate(
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_lifetime=args.token_lifetime,
        issuer=f"http://127.0.0.1:{args.port}/realms/{REALM}",
    )
    mock.echo = True
    if not args.no_seed:
        ids = seed(mock)
        print(f"mock Jobbergate: seeded submissions {ids}", flush=True)
    print(
        "mock Jobbergate: point the agent at it with\n"
        f"  JOBBERGATE_AGENT_BASE_API_URL=http://127.0.0.1:{args.port}\n"
        f"  JOBBERGATE_AGENT_OIDC_DOMAIN=127.0.0.1:{args.port}/realms/{REALM}\n"
        "  JOBBERGATE_AGENT_OIDC_USE_HTTPS=false\n"
        f"  JOBBERGATE_AGENT_OIDC_CLIENT_ID={args.client_id}\n"
        "  JOBBERGATE_AGENT_OIDC_CLIENT_SECRET=<the --client-secret>",
        flush=True,
    )
    uvicorn.run(mock.app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    import sys

    # Run the module under its package name, so the HTTP layer and this code share one copy
    # of its classes (ApiError above all).
    from jobbergate_agent.devstack.mock_jobbergate import main as package_main

    sys.exit(package_main())
