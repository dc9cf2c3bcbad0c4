"""The agent's client of the Jobbergate API (see JOBBERGATE-API.md): it knows nothing of Slurm.

Transport policy lives in `_request` alone: a timeout on every request; GETs retried a couple
of times with backoff on connection errors and 5xx; POST and PUT sent once (a lost answer must
not turn into a second report); any request refused with 401 retried once with a new token.
Every failure becomes one of the typed errors of `errors.py`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from loguru import logger
from pydantic import BaseModel, ValidationError

from jobbergate_agent.jobbergate.errors import (
    STATUS_ERRORS,
    JobbergateAuthError,
    JobbergateError,
    JobbergateInvalidResponse,
    JobbergateUnavailable,
)
from jobbergate_agent.jobbergate.schemas import (
    ActiveSubmission,
    Page,
    PendingSubmission,
    SubmissionBase,
)
from jobbergate_agent.jobbergate.token import TokenProvider, decode_claims
from jobbergate_agent.settings import ENV_PREFIX, ConfigurationError, Settings

ModelT = TypeVar("ModelT", bound=BaseModel)
ItemT = TypeVar("ItemT", bound=SubmissionBase)

PENDING_PATH = "/jobbergate/job-submissions/agent/pending"
ACTIVE_PATH = "/jobbergate/job-submissions/agent/active"
SUBMITTED_PATH = "/jobbergate/job-submissions/agent/submitted"
REJECTED_PATH = "/jobbergate/job-submissions/agent/rejected"
UPDATE_PATH = "/jobbergate/job-submissions/agent/{id}"
FILE_PATH = "/jobbergate/job-scripts/{parent_id}/upload/{filename}"
CLUSTER_STATUS_PATH = "/jobbergate/clusters/status"

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})


def api_detail(response: httpx.Response) -> str | None:
    """The API's `detail` (FastAPI), flattened to one line; None when there is none."""
    try:
        body = response.json()
    except ValueError:
        # e.g. a proxy's HTML error page: one line, and short
        text = " ".join(response.text.split())
        return text[:200] or None
    if not isinstance(body, dict):
        return None
    detail = body.get("detail", body.get("error_description", body.get("error")))
    if detail is None:
        return None
    if isinstance(detail, list):
        # FastAPI's validation errors: [{"loc": [...], "msg": "..."}]
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", ()))
                parts.append(f"{loc}: {item.get('msg')}" if loc else str(item.get("msg")))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(detail)


# The backoff sleep, by name, so tests can replace it without touching asyncio itself.
_sleep = asyncio.sleep


class JobbergateClient:
    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        get_retries: int = 2,
        retry_backoff: float = 0.5,
    ) -> None:
        self.settings = settings
        self.base_url = settings.BASE_API_URL.strip().rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"{ENV_PREFIX}BASE_API_URL: must start with http:// or https:// "
                f"(got {self.base_url!r})"
            )
        self.get_retries = get_retries
        self.retry_backoff = retry_backoff
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.REQUESTS_TIMEOUT),
            transport=transport,
            headers={"accept": "application/json"},
            follow_redirects=False,
        )
        self.tokens = TokenProvider(
            settings, self._http, retries=get_retries, retry_backoff=retry_backoff
        )

    # --- submissions --------------------------------------------------------------------------

    async def pending_submissions(self) -> list[PendingSubmission]:
        """Every pending (CREATED) submission of this cluster, up to MAX_PAGES_PER_CYCLE pages."""
        return await self._read_pages(PENDING_PATH, PendingSubmission, "pending submission")

    async def active_submissions(self) -> list[ActiveSubmission]:
        """Every SUBMITTED or CANCELLED submission of this cluster, up to the page cap."""
        return await self._read_pages(ACTIVE_PATH, ActiveSubmission, "active submission")

    async def download_file(self, parent_id: int, filename: str) -> bytes:
        """A job-script file's content, as the raw bytes the user uploaded."""
        path = FILE_PATH.format(parent_id=parent_id, filename=quote(filename, safe="/"))
        response = await self._request("GET", path)
        return response.content

    async def mark_submitted(
        self,
        submission_id: int,
        *,
        slurm_job_id: int,
        slurm_job_state: str,
        slurm_job_info: str,
        slurm_job_state_reason: str | None,
    ) -> None:
        await self._request(
            "POST",
            SUBMITTED_PATH,
            json={
                "id": submission_id,
                "slurm_job_id": slurm_job_id,
                "slurm_job_state": slurm_job_state,
                "slurm_job_info": slurm_job_info,
                "slurm_job_state_reason": slurm_job_state_reason,
            },
        )

    async def mark_rejected(self, submission_id: int, report_message: str) -> None:
        await self._request(
            "POST", REJECTED_PATH, json={"id": submission_id, "report_message": report_message}
        )

    async def update_submission(
        self,
        submission_id: int,
        *,
        slurm_job_id: int | None,
        slurm_job_state: str,
        slurm_job_info: str,
        slurm_job_state_reason: str | None,
    ) -> None:
        await self._request(
            "PUT",
            UPDATE_PATH.format(id=submission_id),
            json={
                "slurm_job_id": slurm_job_id,
                "slurm_job_state": slurm_job_state,
                "slurm_job_info": slurm_job_info,
                "slurm_job_state_reason": slurm_job_state_reason,
            },
        )

    async def report_status(self, interval: int) -> None:
        """The heartbeat: the cluster counts as healthy while it reports within `interval` s."""
        await self._request("PUT", CLUSTER_STATUS_PATH, params={"interval": interval})

    async def check_token(self) -> dict[str, Any]:
        """Fetch a new token and return its claims (signature not verified), for `jg-run check`."""
        return decode_claims(await self.tokens.get(force=True))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> JobbergateClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- pages --------------------------------------------------------------------------------

    async def _read_pages(self, path: str, model: type[ItemT], what: str) -> list[ItemT]:
        size = self.settings.ITEMS_PER_PAGE
        cap = self.settings.MAX_PAGES_PER_CYCLE
        found: dict[int, ItemT] = {}
        page_number = 1
        while True:
            response = await self._request("GET", path, params={"page": page_number, "size": size})
            page = self._parse(response, "GET", path, Page.model_validate)
            for raw in page.items:
                item = self._validate_item(raw, model, what)
                # The API pages without ORDER BY: a row may show up on two pages.
                if item is not None:
                    found.setdefault(item.id, item)
            last = (
                page_number >= page.pages
                if page.pages is not None
                else len(page.items) < (page.size or size)
            )
            if last or not page.items:
                break
            if page_number >= cap:
                logger.warning(
                    "Read the first {} pages of {} ({} items each) and left the rest for the "
                    "next cycle (MAX_PAGES_PER_CYCLE={}); {} in all",
                    cap,
                    path,
                    size,
                    cap,
                    page.total,
                )
                break
            page_number += 1
        return list(found.values())

    @staticmethod
    def _validate_item(raw: Any, model: type[ItemT], what: str) -> ItemT | None:
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            item_id = raw.get("id") if isinstance(raw, dict) else None
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'item'}: {e['msg']}"
                for e in error.errors()
            )
            logger.error(
                "Skipping {} id={}: the API sent an item the agent cannot read ({})",
                what,
                item_id,
                problems,
            )
            return None

    @staticmethod
    def _parse(
        response: httpx.Response, method: str, path: str, parse: Callable[[Any], ModelT]
    ) -> ModelT:
        try:
            return parse(response.json())
        except (ValueError, ValidationError) as error:
            reason = "not JSON" if not isinstance(error, ValidationError) else "not a page"
            raise JobbergateInvalidResponse(
                f"{method} {path} answered {response.status_code} with a body that is {reason}: "
                f"{response.text[:200]!r}",
                status=response.status_code,
                method=method,
                path=path,
            ) from None

    # --- transport ----------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send with a valid token; raise a typed error for anything but a 2xx."""
        retries = self.get_retries if method in IDEMPOTENT_METHODS else 0
        attempt = 0
        refreshed = False
        token = await self.tokens.get()
        while True:
            try:
                response = await self._http.request(
                    method,
                    self.base_url + path,
                    params=params,
                    json=json,
                    headers={"authorization": f"Bearer {token}"},
                )
            except httpx.TransportError as error:
                failure = self._transport_error(method, path, error)
                if attempt < retries:
                    attempt += 1
                    await self._backoff(attempt, method, path, failure)
                    continue
                raise failure from None

            status = response.status_code
            if status == 401 and not refreshed:
                # The token was revoked or expired early: fetch another once and try again.
                refreshed = True
                logger.info("{} {} answered 401; fetching a new access token", method, path)
                token = await self.tokens.get(stale=token)
                continue
            if status >= 500 and attempt < retries:
                attempt += 1
                await self._backoff(
                    attempt, method, path, self._status_error(response, method, path)
                )
                continue
            if status < 300:
                return response
            raise self._status_error(response, method, path)

    async def _backoff(
        self, attempt: int, method: str, path: str, failure: JobbergateError
    ) -> None:
        delay = self.retry_backoff * (2 ** (attempt - 1)) * (1 + random.random() / 2)
        logger.warning(
            "{}; retrying in {:.1f}s (retry {} of {})",
            failure.message,
            delay,
            attempt,
            self.get_retries,
        )
        await _sleep(delay)

    def _transport_error(
        self, method: str, path: str, error: httpx.TransportError
    ) -> JobbergateUnavailable:
        if isinstance(error, httpx.TimeoutException):
            message = (
                f"{method} {path} timed out after {self.settings.REQUESTS_TIMEOUT:g}s "
                f"({type(error).__name__}); the Jobbergate API at {self.base_url} is slow or down"
            )
        else:
            message = (
                f"{method} {path} could not reach the Jobbergate API at {self.base_url} "
                f"({type(error).__name__}: {error}); "
                f"check {ENV_PREFIX}BASE_API_URL and the network"
            )
        return JobbergateUnavailable(message, method=method, path=path)

    @staticmethod
    def _status_error(response: httpx.Response, method: str, path: str) -> JobbergateError:
        status = response.status_code
        detail = api_detail(response)
        message = f"{method} {path} answered {status}: {detail or response.reason_phrase}"
        cls: type[JobbergateError]
        if status == 401:
            cls = JobbergateAuthError
            message += (
                " (also with a freshly fetched token: is "
                f"{ENV_PREFIX}OIDC_DOMAIN the realm the API trusts?)"
            )
        elif status >= 500:
            cls = JobbergateUnavailable
        else:
            cls = STATUS_ERRORS.get(status, JobbergateError)
        if 300 <= status < 400:
            message += (
                f" to {response.headers.get('location', '?')}; set {ENV_PREFIX}BASE_API_URL "
                "to the address it redirects to"
            )
        if status == 403:
            message += " (check the client's permissions and that the submission is this cluster's)"
        return cls(message, status=status, method=method, path=path, detail=detail)
