"""The agent's OIDC access token (client credentials), cached in memory and on disk.

The token is fetched with an async form POST so the event loop never blocks, renewed a margin
before it expires, and kept in CACHE_DIR (mode 0600) so a restart does not cost a new one.
Concurrent callers share one fetch. Neither the secret nor the token is ever logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
from loguru import logger

from jobbergate_agent.jobbergate.errors import (
    JobbergateAuthError,
    JobbergateInvalidResponse,
    JobbergateUnavailable,
)
from jobbergate_agent.settings import ENV_PREFIX, Settings

# Renew this long before the token expires, so a request never leaves with a token that dies
# on the way (the contract asks for at least 30 s).
RENEW_MARGIN_SECONDS = 60.0
CACHE_FILE_NAME = "jobbergate-token"


def decode_claims(access_token: str) -> dict[str, Any]:
    """The token's claims, read without checking the signature (the API checks it)."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError as error:
        raise JobbergateInvalidResponse(
            f"the access token from the OIDC server is not a JWT ({error})"
        ) from None
    return dict(claims)


@dataclass(frozen=True)
class CachedToken:
    access_token: str
    # Seconds since the epoch on this host's clock; None: no expiry known, used until a 401.
    expires_at: float | None

    def fresh(self, margin: float = RENEW_MARGIN_SECONDS) -> bool:
        return self.expires_at is None or time.time() < self.expires_at - margin


def expiry_of(access_token: str, expires_in: Any, fetched_at: float) -> float | None:
    """When the token expires on this host's clock.

    `expires_in` is preferred: it is relative, so a skewed local clock does not make every
    token look expired (or eternal). The JWT `exp` claim is the fallback.
    """
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        return fetched_at + float(expires_in)
    with contextlib.suppress(JobbergateInvalidResponse):
        exp = decode_claims(access_token).get("exp")
        if isinstance(exp, int | float):
            return float(exp)
    return None


class TokenProvider:
    """Hands out a valid access token, fetching it from the OIDC server when needed."""

    def __init__(
        self,
        settings: Settings,
        http: httpx.AsyncClient,
        *,
        retries: int = 2,
        retry_backoff: float = 0.5,
    ) -> None:
        self.settings = settings
        self._http = http
        # Asking for a token twice is harmless, so a failed fetch is retried like a GET.
        self.retries = retries
        self.retry_backoff = retry_backoff
        domain = settings.OIDC_DOMAIN.strip().rstrip("/")
        if "://" not in domain:  # the documented form: host[:port]/realms/NAME, no scheme
            domain = f"{'https' if settings.OIDC_USE_HTTPS else 'http'}://{domain}"
        self.token_url = f"{domain}/protocol/openid-connect/token"
        self.cache_path = Path(settings.CACHE_DIR) / CACHE_FILE_NAME
        self._token: CachedToken | None = None
        self._lock = asyncio.Lock()
        self._loaded_from_disk = False

    async def get(self, *, stale: str | None = None, force: bool = False) -> str:
        """A token that is not about to expire.

        `stale` is a token the API just refused (401): it is replaced unless another caller
        already replaced it while this one waited for the lock. `force` always fetches anew.
        """
        async with self._lock:
            if not self._loaded_from_disk:
                self._loaded_from_disk = True
                self._token = self._read_cache()
            token = self._token
            if not force and token and token.access_token != stale and token.fresh():
                return token.access_token
            token = await self._fetch_with_retries()
            self._token = token
            self._write_cache(token)
            return token.access_token

    async def _fetch_with_retries(self) -> CachedToken:
        attempt = 0
        while True:
            try:
                return await self._fetch()
            except JobbergateUnavailable as error:
                if attempt >= self.retries:
                    raise
                attempt += 1
                delay = self.retry_backoff * 2 ** (attempt - 1)
                logger.warning("{}; retrying in {:.1f}s", error.message, delay)
                await asyncio.sleep(delay)

    async def _fetch(self) -> CachedToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.settings.OIDC_CLIENT_ID,
            "client_secret": self.settings.OIDC_CLIENT_SECRET.get_secret_value(),
        }
        fetched_at = time.time()
        where = f"POST {self.token_url}"
        try:
            response = await self._http.post(self.token_url, data=form)
        except httpx.TimeoutException:
            raise JobbergateUnavailable(
                f"{where} timed out after {self.settings.REQUESTS_TIMEOUT:g}s while fetching "
                "the agent's access token; is the OIDC server up?",
                method="POST",
                path=self.token_url,
            ) from None
        except httpx.TransportError as error:
            raise JobbergateUnavailable(
                f"{where} failed while fetching the agent's access token: "
                f"{type(error).__name__}: {error}; check {ENV_PREFIX}OIDC_DOMAIN and "
                f"{ENV_PREFIX}OIDC_USE_HTTPS",
                method="POST",
                path=self.token_url,
            ) from None
        status = response.status_code
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        if status >= 500:
            raise JobbergateUnavailable(
                f"{where} answered {status} while fetching the agent's access token",
                status=status,
                method="POST",
                path=self.token_url,
            )
        if status != 200:
            error_code = body.get("error") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            detail = ": ".join(str(p) for p in (error_code, description) if p) or (
                response.text[:200] or "no detail"
            )
            hint = f"check {ENV_PREFIX}OIDC_CLIENT_ID and {ENV_PREFIX}OIDC_CLIENT_SECRET"
            if error_code not in ("invalid_client", "unauthorized_client") and status != 401:
                hint += f", and that {ENV_PREFIX}OIDC_DOMAIN is the realm"
            raise JobbergateAuthError(
                f"{where} refused the agent's credentials for client "
                f"'{self.settings.OIDC_CLIENT_ID}' ({status}, {detail}); {hint}",
                status=status,
                method="POST",
                path=self.token_url,
                detail=detail,
            )
        access_token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(access_token, str) or not access_token:
            raise JobbergateAuthError(
                f"{where} answered 200 without an access_token; is {ENV_PREFIX}OIDC_DOMAIN "
                "the realm of an OIDC server (e.g. auth.example.com/realms/vantage)?",
                status=status,
                method="POST",
                path=self.token_url,
            )
        token = CachedToken(
            access_token, expiry_of(access_token, body.get("expires_in"), fetched_at)
        )
        logger.debug(
            "Fetched an access token for client {} (expires in {})",
            self.settings.OIDC_CLIENT_ID,
            "unknown" if token.expires_at is None else f"{token.expires_at - fetched_at:.0f}s",
        )
        return token

    # --- disk cache ---------------------------------------------------------------------------
    # The file records which client and token URL the token is for, so a changed configuration
    # never reuses another client's token.

    def _cache_key(self) -> dict[str, str]:
        return {"token_url": self.token_url, "client_id": self.settings.OIDC_CLIENT_ID}

    def _read_cache(self) -> CachedToken | None:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            logger.warning("Ignoring the unreadable token cache {}: {}", self.cache_path, error)
            return None
        if not isinstance(data, dict) or any(
            data.get(k) != v for k, v in self._cache_key().items()
        ):
            return None
        access_token = data.get("access_token")
        expires_at = data.get("expires_at")
        if not isinstance(access_token, str) or not (
            expires_at is None or isinstance(expires_at, int | float)
        ):
            return None
        token = CachedToken(access_token, expires_at)
        return token if token.fresh() else None

    def _write_cache(self, token: CachedToken) -> None:
        data = {
            **self._cache_key(),
            "access_token": token.access_token,
            "expires_at": token.expires_at,
        }
        directory = self.cache_path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            # mkstemp creates the file 0600; os.replace makes the new content appear at once.
            fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{CACHE_FILE_NAME}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle)
                os.chmod(tmp_name, 0o600)
                os.replace(tmp_name, self.cache_path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
                raise
        except OSError as error:
            # The agent works without the cache; it only costs a token fetch per restart.
            logger.warning("Could not write the token cache {}: {}", self.cache_path, error)
