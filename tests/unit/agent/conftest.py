"""The agent loop against the mock Jobbergate API (in process, through the real client and
httpx.ASGITransport) and a fake Slurm client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from loguru import logger

from jobbergate_agent.agent import minimal_builder
from jobbergate_agent.agent.components import Translator
from jobbergate_agent.agent.context import AgentContext
from jobbergate_agent.agent.journal import Journal
from jobbergate_agent.devstack.mock_jobbergate import MockJobbergate
from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.settings import Settings
from tests.unit.agent.fakes import FakeMapper, FakeSlurm

CLIENT_ID = "cluster-a"
SECRET = "mock-secret-a"
API = "http://jobbergate.test"
SCRIPT = "#!/bin/bash\necho hello\n"

MINIMAL = Translator(
    build_job=minimal_builder.build_job,
    error=minimal_builder.TranslationError,
    describe_unsupported=minimal_builder.describe_unsupported,  # type: ignore[arg-type]
    source="minimal",
)


def make_settings(cache_dir: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "BASE_API_URL": API,
        "OIDC_DOMAIN": "auth.test/realms/jobbergate-local",
        "OIDC_USE_HTTPS": False,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": SECRET,
        "CACHE_DIR": cache_dir,
        "X_SLURM_USER_NAME": "ubuntu",
        "TASK_JOBS_INTERVAL_SECONDS": 30,
        "SUBMISSION_CONCURRENCY": 4,
        **changes,
    }
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "cache")


@pytest.fixture
def mock() -> MockJobbergate:
    return MockJobbergate(client_id=CLIENT_ID, client_secret=SECRET)


@pytest.fixture
def slurm() -> FakeSlurm:
    return FakeSlurm()


@pytest.fixture
def mapper() -> FakeMapper:
    return FakeMapper(
        {"alice@example.com": "alice", "bob@example.com": "bob", "ghost@example.com": "ghost"}
    )


@pytest.fixture
async def make_ctx(mock, slurm, mapper, settings) -> AsyncIterator[Callable[..., AgentContext]]:
    """A context (one agent process); call again for a restarted agent. `journal_dir` moves
    the journal elsewhere, as on a new host."""
    made: list[AgentContext] = []

    def make(
        *,
        journal_dir: Path | None = None,
        settings_: Settings | None = None,
        slurm_: Any = None,
        translator: Translator = MINIMAL,
    ) -> AgentContext:
        used = settings_ or settings
        jobbergate = JobbergateClient(
            used, transport=httpx.ASGITransport(app=mock.app), retry_backoff=0
        )
        ctx = AgentContext(
            used,
            jobbergate=jobbergate,
            slurm=slurm_ or slurm,
            mapper=mapper,
            journal=Journal.in_cache_dir(journal_dir or used.CACHE_DIR),
            translator=translator,
        )
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        await ctx.jobbergate.aclose()
        ctx.journal.close()


@pytest.fixture
def ctx(make_ctx) -> AgentContext:
    return make_ctx()


@pytest.fixture
def logs() -> Iterator[list[str]]:
    """Every log message (formatted) while the test runs."""
    lines: list[str] = []
    sink = logger.add(
        lambda m: lines.append(str(m).rstrip("\n")), level="DEBUG", format="{level} {message}"
    )
    yield lines
    logger.remove(sink)


def add_submission(
    mock: MockJobbergate,
    name: str,
    *,
    script: str | bytes = SCRIPT,
    files: dict[str, str | bytes] | None = None,
    owner: str = "alice@example.com",
    **kwargs: Any,
) -> int:
    script_id = mock.add_job_script(
        name, {"job.sh": script, **(files or {})}, entrypoint="job.sh", owner_email=owner
    )
    return mock.add_submission(script_id, name, **kwargs)


def requests_to(mock: MockJobbergate, method: str, fragment: str = "") -> int:
    return sum(1 for m, p in mock.requests if m == method and fragment in p)
