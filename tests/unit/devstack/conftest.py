from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from jobbergate_agent.devstack.mock_slurmrestd import MockSlurmrestd

from .helpers import KEY, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def make_mock(clock: FakeClock) -> AsyncIterator[Callable[..., MockSlurmrestd]]:
    made: list[MockSlurmrestd] = []

    def make(profile: str = "26.05", **kwargs: Any) -> MockSlurmrestd:
        kwargs.setdefault("clock", clock)
        mock = MockSlurmrestd(KEY, profile, **kwargs)
        made.append(mock)
        return mock

    yield make
    for mock in made:
        mock.close()
