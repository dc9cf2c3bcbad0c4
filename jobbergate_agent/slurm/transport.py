"""Transport policy for slurmrestd, written once: timeouts, retries, error classification.

- Every request has a timeout.
- Requests that are safe to repeat (reads, and cancels, which Slurm treats as done when the job
  already ended) are retried with exponential backoff and full jitter on connection errors and
  on 502/503/504 (slurmrestd's "cannot reach slurmctld" and "slurmctld timed out").
- A submit is retried only when the connection could not even be opened, i.e. when the request
  provably never left this host; anything later could have created the job.
- slurmrestd closes the connection after every error response; httpx's pool notices and opens
  a new one, and a request that meets a connection closed while idle is one that "never left".
"""

from __future__ import annotations

import asyncio
import json
import random
import ssl
from dataclasses import dataclass
from typing import Any, cast

import httpx

from jobbergate_agent.slurm.errors import (
    SlurmAuthenticationError,
    SlurmConnectionError,
    SlurmEndpointNotServed,
    SlurmError,
    SlurmErrorItem,
    SlurmInvalidResponse,
    SlurmJobNotFound,
    SlurmRejected,
    SlurmTimeoutError,
)

AUTH_ERRORS = {1007, 6000, 6001, 6008, 9008}  # protocol auth error, cred invalid/expired/skip
UNREACHABLE_ERRORS = {1800, 1801, 1802, 1803, 7000}  # slurmctld/slurmdbd communication
INVALID_JOB_ID = 2017
RETRY_STATUSES = {502, 503, 504}


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    data: Any = None  # the decoded JSON body, when there is one

    @property
    def errors(self) -> tuple[SlurmErrorItem, ...]:
        return parse_error_items(self.data)

    @property
    def warnings(self) -> list[str]:
        items = self.data.get("warnings") if isinstance(self.data, dict) else None
        out = []
        for item in items or []:
            if isinstance(item, dict):
                text = item.get("description") or item.get("warning") or ""
                if text:
                    out.append(str(text))
        return out

    def text(self) -> str:
        return self.body.decode(errors="replace").strip()


def parse_error_items(data: Any) -> tuple[SlurmErrorItem, ...]:
    """The `errors` list in any version's shape ({error_number|errno|error_code, error, ...})."""
    if not isinstance(data, dict):
        return ()
    items = []
    for item in data.get("errors") or []:
        if not isinstance(item, dict):
            continue
        number = item.get("error_number", item.get("errno", item.get("error_code")))
        try:
            number = int(number) if number is not None else None
        except (TypeError, ValueError):
            number = None
        items.append(
            SlurmErrorItem(
                error_number=number,
                error=str(item["error"]) if item.get("error") else None,
                description=str(item["description"]) if item.get("description") else None,
                source=str(item["source"]) if item.get("source") else None,
            )
        )
    return tuple(items)


def classify(
    response: Response,
    what: str,
    *,
    job_id: int | None = None,
    auth_errors: frozenset[int] = frozenset(),
) -> SlurmError:
    """The typed error for a failed response. `what` names the operation for the message;
    `auth_errors` are the version's own spellings of a refused token."""
    errors = response.errors
    numbers = {e.error_number for e in errors}
    detail = "; ".join(e.text() for e in errors) or response.text()[:300] or "no details"
    status = response.status
    kwargs: dict[str, Any] = {"status": status, "errors": errors}
    if (
        status in (401, 511)
        or numbers & AUTH_ERRORS
        # A version's own spellings of a refused token come with HTTP 500 only: the same
        # numbers in a 400 are parse failures of the request itself.
        or (status == 500 and numbers & auth_errors)
        or (status == 500 and not errors and "authentication" in response.text().lower())
    ):
        return SlurmAuthenticationError(
            f"{what}: slurmrestd refused the credentials (HTTP {status}: {detail}); check the "
            "JWT key or token, and that the user exists in Slurm",
            **kwargs,
        )
    if INVALID_JOB_ID in numbers and job_id is not None:
        return SlurmJobNotFound(job_id, f"{what}: Slurm knows no job {job_id} ({detail})", **kwargs)
    if status == 404 and not errors:
        return SlurmEndpointNotServed(
            f"{what}: this slurmrestd does not serve the path (HTTP 404: {detail})", **kwargs
        )
    if status == 504 or (status in RETRY_STATUSES | {500} and numbers & UNREACHABLE_ERRORS):
        return SlurmConnectionError(
            f"{what}: slurmrestd could not get an answer from Slurm (HTTP {status}: {detail})",
            **kwargs,
        )
    if status in RETRY_STATUSES:
        return SlurmConnectionError(
            f"{what}: slurmrestd unavailable (HTTP {status}: {detail})", **kwargs
        )
    if errors:
        return SlurmRejected(f"{what}: Slurm refused it: {detail}", **kwargs)
    return SlurmInvalidResponse(f"{what}: unexpected answer (HTTP {status}: {detail})", **kwargs)


class Transport:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        verify: bool = True,
        ca_bundle: str | None = None,
        max_retries: int = 3,
        backoff_base: float = 0.25,
        backoff_max: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        verify_arg: bool | ssl.SSLContext = verify
        if verify and ca_bundle:
            verify_arg = ssl.create_default_context(cafile=ca_bundle)
        if base_url.startswith("unix:"):
            socket_path = "/" + base_url.removeprefix("unix:").lstrip("/")
            transport = transport or httpx.AsyncHTTPTransport(uds=socket_path)
            base_url = "http://slurmrestd"
        self.base_url = base_url
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout),
            verify=verify_arg,
            transport=transport,
            headers={"Accept": "application/json"},
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def _delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2**attempt))

    async def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        headers: dict[str, str],
        params: list[tuple[str, str]] | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> Response:
        """Send one request (retrying as the policy allows) and return the answer, whatever
        its status. Raises SlurmConnectionError/SlurmTimeoutError when no answer came."""
        content = None
        request_headers = dict(headers)
        if body is not None:
            content = json.dumps(body).encode()
            request_headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            try:
                raw = await self._client.request(
                    method,
                    path,
                    params=httpx.QueryParams(cast(Any, params or [])),
                    content=content,
                    headers=request_headers,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                failure: SlurmError = SlurmConnectionError(
                    f"{what}: cannot connect to slurmrestd at {self.base_url}: {error or 'refused'}"
                )
                may_retry = True  # nothing was sent
            except httpx.TimeoutException:
                failure = SlurmTimeoutError(
                    f"{what}: slurmrestd at {self.base_url} did not answer in time"
                )
                may_retry = idempotent
            except httpx.TransportError as error:
                failure = SlurmConnectionError(
                    f"{what}: connection to slurmrestd lost: {error or type(error).__name__}"
                )
                may_retry = idempotent
            else:
                response = self._decode(raw)
                if response.status in RETRY_STATUSES and idempotent and attempt < self.max_retries:
                    await asyncio.sleep(self._delay(attempt))
                    attempt += 1
                    continue
                return response
            if not may_retry or attempt >= self.max_retries:
                raise failure
            await asyncio.sleep(self._delay(attempt))
            attempt += 1

    @staticmethod
    def _decode(raw: httpx.Response) -> Response:
        content_type = raw.headers.get("content-type", "")
        data = None
        if "json" in content_type or raw.content[:1] in (b"{", b"["):
            try:
                data = raw.json()
            except ValueError:
                data = None
        return Response(
            status=raw.status_code, content_type=content_type, body=raw.content, data=data
        )
