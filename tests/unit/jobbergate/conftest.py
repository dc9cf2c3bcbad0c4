"""Fixtures for the Jobbergate client tests: settings, a respx router, tokens and log capture."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import jwt
import pytest
import respx
from loguru import logger

from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.settings import Settings

API = "https://jobbergate.test"
TOKEN_URL = "https://auth.test/realms/vantage/protocol/openid-connect/token"
CLIENT_ID = "cluster-a"
SECRET = "s3cret-value-never-logged"


def make_jwt(*, lifetime: float = 300, claims: dict | None = None) -> str:
    now = time.time()
    payload = {
        "azp": CLIENT_ID,
        "sub": "svc",
        "iat": int(now),
        "exp": int(now + lifetime),
        "permissions": ["jobbergate:job-submissions:read"],
        **(claims or {}),
    }
    return jwt.encode(payload, "test-key-that-is-long-enough-for-hs256", algorithm="HS256")


def token_answer(token: str | None = None, expires_in: float | None = 300) -> httpx.Response:
    body: dict = {"access_token": token or make_jwt(), "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    return httpx.Response(200, json=body)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        BASE_API_URL=API + "/",
        OIDC_DOMAIN="auth.test/realms/vantage",
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=SECRET,  # type: ignore[arg-type]
        CACHE_DIR=tmp_path / "cache",
        REQUESTS_TIMEOUT=2.0,
        MAX_PAGES_PER_CYCLE=3,
        ITEMS_PER_PAGE=2,
    )


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def token_route(router: respx.MockRouter) -> respx.Route:
    return router.post(TOKEN_URL).mock(side_effect=lambda request: token_answer())


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[JobbergateClient]:
    jg = JobbergateClient(settings, retry_backoff=0)
    yield jg
    await jg.aclose()


@pytest.fixture
def logs() -> Iterator[list[str]]:
    """Everything the agent logs during the test, at every level."""
    messages: list[str] = []
    sink_id = logger.add(lambda m: messages.append(str(m)), level="TRACE", format="{message}")
    yield messages
    logger.remove(sink_id)


@pytest.fixture(name="make_jwt")
def make_jwt_fixture():
    return make_jwt


@pytest.fixture(name="token_answer")
def token_answer_fixture():
    return token_answer
