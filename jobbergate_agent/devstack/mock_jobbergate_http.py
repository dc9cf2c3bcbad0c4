"""The HTTP face of the mock Jobbergate API: routes, request validation and error bodies.

Validation follows the real server: the token and permissions are checked first (401/403),
then the parameters and body (422, detail "Validation error for request to <url>: ..."),
then the rules of `MockJobbergate` (400/403/404/409).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jobbergate_agent.devstack.mock_jobbergate import (
    CLUSTERS_UPDATE,
    READ,
    REALM,
    SCRIPTS_READ,
    UPDATE,
    ApiError,
)

if TYPE_CHECKING:
    from jobbergate_agent.devstack.mock_jobbergate import MockJobbergate

API_VERSION = "5.12.0"

SlurmJobState = Literal[
    "BOOT_FAIL", "CANCELLED", "COMPLETED", "CONFIGURING", "COMPLETING", "DEADLINE", "FAILED",
    "NODE_FAIL", "OUT_OF_MEMORY", "PENDING", "PREEMPTED", "RUNNING", "RESV_DEL_HOLD",
    "REQUEUE_FED", "REQUEUE_HOLD", "REQUEUED", "RESIZING", "REVOKED", "SIGNALING",
    "SPECIAL_EXIT", "STAGE_OUT", "STOPPED", "SUSPENDED", "TIMEOUT", "UNKNOWN",
]  # fmt: skip


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SubmittedBody(_Body):
    id: int
    slurm_job_id: int = Field(ge=0)
    slurm_job_state: SlurmJobState
    slurm_job_info: str
    slurm_job_state_reason: str | None = None


class RejectedBody(_Body):
    id: int
    report_message: str


class UpdateBody(_Body):
    slurm_job_state: SlurmJobState
    slurm_job_info: str
    slurm_job_id: int | None = Field(default=None, ge=0)
    slurm_job_state_reason: str | None = None


class PageParams(_Body):
    page: int = Field(default=1, ge=1)
    size: int = Field(default=50, ge=1, le=100)


class IntervalParams(_Body):
    interval: int = Field(gt=0)


def _error(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _validation_detail(request: Request, error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
    )
    return f"Validation error for request to {request.url}: {problems}"


def _validate(model: type[Any], data: Any, request: Request) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, _validation_detail(request, error)) from None


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise ApiError(
            422, f"Validation error for request to {request.url}: body: JSON decode error"
        ) from None


def _page(items: list[dict[str, Any]], params: PageParams) -> dict[str, Any]:
    start = (params.page - 1) * params.size
    total = len(items)
    return {
        "items": items[start : start + params.size],
        "total": total,
        "page": params.page,
        "size": params.size,
        "pages": math.ceil(total / params.size),
    }


Handler = Callable[[Request], Awaitable[Response]]


def build_app(mock: MockJobbergate) -> Starlette:
    def api(handler: Handler, *, admin: bool = False) -> Handler:
        """Turn ApiError into FastAPI-shaped answers; record the request; apply faults."""

        async def wrapped(request: Request) -> Response:
            mock.requests.append((request.method, request.url.path))
            fault = mock.take_fault(request.method, request.url.path)
            if fault is not None:
                return _error(fault.status, fault.detail)
            try:
                return await handler(request)
            except ApiError as error:
                return _error(error.status, error.detail)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                if not admin:
                    raise
                # a helper called with a wrong body: say so rather than answer 500
                return _error(422, f"bad admin request: {type(error).__name__}: {error}")

        return wrapped

    def admin_route(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(path, api(handler, admin=True), methods=methods)

    # --- OIDC server ------------------------------------------------------------------------

    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("latin-1")).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        grant_type = form.get("grant_type")
        if not grant_type:
            return JSONResponse(
                {
                    "error": "invalid_request",
                    "error_description": "Missing form parameter: grant_type",
                },
                400,
            )
        client = mock.clients.get(client_id or "")
        if client is None or client.secret != secret:
            return JSONResponse(
                {
                    "error": "invalid_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
                401,
            )
        if grant_type != "client_credentials":
            return JSONResponse(
                {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"},
                400,
            )
        return JSONResponse(
            {
                "access_token": mock.issue_token(client.client_id),
                "expires_in": mock.token_lifetime,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email",
            }
        )

    async def certs(request: Request) -> Response:
        return JSONResponse(mock.jwks())

    async def openid_configuration(request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}/realms/{REALM}"
        return JSONResponse(
            {
                "issuer": mock.issuer,
                "token_endpoint": f"{base}/protocol/openid-connect/token",
                "jwks_uri": f"{base}/protocol/openid-connect/certs",
                "grant_types_supported": ["client_credentials"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    # --- agent routes -----------------------------------------------------------------------

    async def health(request: Request) -> Response:
        return Response(status_code=204)

    async def openapi(request: Request) -> Response:
        # The upstream agent's self-update reads info.version.
        return JSONResponse(
            {
                "openapi": "3.1.0",
                "info": {"title": "Jobbergate-API (mock)", "version": API_VERSION},
                "paths": {},
            }
        )

    async def pending(request: Request) -> Response:
        client_id = mock._authorize(request, READ)
        params = _validate(PageParams, dict(request.query_params), request)
        return JSONResponse(_page(mock.pending_items(client_id), params))

    async def active(request: Request) -> Response:
        client_id = mock._authorize(request, READ)
        params = _validate(PageParams, dict(request.query_params), request)
        return JSONResponse(_page(mock.active_items(client_id), params))

    async def submitted(request: Request) -> Response:
        client_id = mock._authorize(request, UPDATE)
        body = _validate(SubmittedBody, await _json_body(request), request)
        mock.mark_submitted(client_id, body.model_dump())
        return Response(status_code=202)

    async def rejected(request: Request) -> Response:
        client_id = mock._authorize(request, UPDATE)
        body = _validate(RejectedBody, await _json_body(request), request)
        mock.mark_rejected(client_id, body.model_dump())
        return Response(status_code=202)

    async def update(request: Request) -> Response:
        client_id = mock._authorize(request, UPDATE)
        raw_id = request.path_params["submission_id"]
        if not raw_id.isdigit():
            raise ApiError(
                422,
                f"Validation error for request to {request.url}: "
                "path.id: Input should be a valid integer",
            )
        body = _validate(UpdateBody, await _json_body(request), request)
        mock.update(client_id, int(raw_id), body.model_dump())
        return Response(status_code=202)

    async def download(request: Request) -> Response:
        mock._authorize(request, SCRIPTS_READ)
        script = mock.job_scripts.get(int(request.path_params["job_script_id"]))
        filename = request.path_params["file_name"]
        if script is None:
            raise ApiError(
                404, f"JobScript with id={request.path_params['job_script_id']} not found."
            )
        item = script.files.get(filename)
        if item is None:
            raise ApiError(404, f"File {filename} not found for job script {script.id}.")
        return Response(item.content, media_type="text/plain", headers={"filename": filename})

    async def cluster_status(request: Request) -> Response:
        # No jobbergate:admin alternative on this route.
        client_id = mock._authorize(request, CLUSTERS_UPDATE, admin_ok=False)
        params = _validate(IntervalParams, dict(request.query_params), request)
        mock.report_status(client_id, params.interval)
        return Response(status_code=202)

    # --- admin / test helpers (no auth: the server only listens on 127.0.0.1) -------------------

    async def admin_add_script(request: Request) -> Response:
        body = await _json_body(request)
        files: dict[str, bytes | str] = dict(body.get("files", {}))
        for name, encoded in body.get("files_base64", {}).items():
            files[name] = base64.b64decode(encoded)
        script_id = mock.add_job_script(
            body["name"],
            files,
            entrypoint=body["entrypoint"],
            owner_email=body.get("owner_email", "alice@example.com"),
        )
        return JSONResponse({"id": script_id}, 201)

    async def admin_add_submission(request: Request) -> Response:
        body = await _json_body(request)
        submission_id = mock.add_submission(
            body["job_script_id"],
            body["name"],
            owner_email=body.get("owner_email"),
            client_id=body.get("client_id"),
            execution_directory=body.get("execution_directory"),
            sbatch_arguments=body.get("sbatch_arguments"),
            slurm_job_id=body.get("slurm_job_id"),
        )
        return JSONResponse({"id": submission_id}, 201)

    async def admin_list(request: Request) -> Response:
        return JSONResponse([row.snapshot() for row in mock.submissions.values()])

    async def admin_one(request: Request) -> Response:
        submission_id = int(request.path_params["submission_id"])
        if request.method == "DELETE":
            mock.delete_submission(submission_id)
            return Response(status_code=204)
        return JSONResponse(mock.snapshot(submission_id))

    async def admin_cancel(request: Request) -> Response:
        mock.cancel(int(request.path_params["submission_id"]))
        return JSONResponse(mock.snapshot(int(request.path_params["submission_id"])))

    async def admin_clusters(request: Request) -> Response:
        return JSONResponse(
            {
                client_id: {
                    "interval": row.interval,
                    "last_reported": row.last_reported,
                    "is_healthy": row.is_healthy,
                }
                for client_id, row in mock.cluster_status.items()
            }
        )

    async def admin_seed(request: Request) -> Response:
        from jobbergate_agent.devstack.seed import seed

        return JSONResponse(seed(mock), 201)

    agent = "/jobbergate/job-submissions/agent"
    oidc = "/protocol/openid-connect"
    routes = [
        Route(f"{oidc}/token", api(token), methods=["POST"]),
        Route("/{realm_path:path}" + f"{oidc}/token", api(token), methods=["POST"]),
        Route("/{realm_path:path}" + f"{oidc}/certs", certs, methods=["GET"]),
        Route(
            "/{realm_path:path}/.well-known/openid-configuration",
            openid_configuration,
            methods=["GET"],
        ),
        Route("/jobbergate/health", health, methods=["GET"]),
        Route("/jobbergate/openapi.json", openapi, methods=["GET"]),
        Route(f"{agent}/pending", api(pending), methods=["GET"]),
        Route(f"{agent}/active", api(active), methods=["GET"]),
        Route(f"{agent}/submitted", api(submitted), methods=["POST"]),
        Route(f"{agent}/rejected", api(rejected), methods=["POST"]),
        Route(agent + "/{submission_id}", api(update), methods=["PUT"]),
        Route(
            "/jobbergate/job-scripts/{job_script_id:int}/upload/{file_name:path}",
            api(download),
            methods=["GET"],
        ),
        Route("/jobbergate/clusters/status", api(cluster_status), methods=["PUT"]),
        admin_route("/admin/job-scripts", admin_add_script, ["POST"]),
        admin_route("/admin/submissions", admin_add_submission, ["POST"]),
        admin_route("/admin/submissions", admin_list, ["GET"]),
        admin_route("/admin/submissions/{submission_id:int}", admin_one, ["GET", "DELETE"]),
        admin_route("/admin/submissions/{submission_id:int}/cancel", admin_cancel, ["PUT"]),
        admin_route("/admin/clusters", admin_clusters, ["GET"]),
        admin_route("/admin/seed", admin_seed, ["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(404, "Not Found")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return _error(405, "Method Not Allowed")
