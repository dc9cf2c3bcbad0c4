"""Helpers of the mock slurmrestd tests: bodies, auth headers, a fake clock, key shapes."""

from __future__ import annotations

import time
from typing import Any

import httpx

from jobbergate_agent.devstack.mock_slurmrestd import MockSlurmrestd

KEY = b"mock-slurmrestd-test-key-32bytes"


class FakeClock:
    """Now, until a test moves it on."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def vnum(version: str) -> int:
    return int(version.rsplit(".", 1)[1])


def submit_body(version: str, script: str = "#!/bin/sh\nexit 0\n", **job: Any) -> dict[str, Any]:
    """A body the real server accepts, in the version's shape."""
    fields: dict[str, Any] = {
        "name": "t",
        "partition": "debug",
        "current_working_directory": "/tmp",
        "standard_output": "/tmp/fixture-%j.out",
    }
    fields.update(job)
    if vnum(version) <= 38:
        fields.setdefault("environment", {"PATH": "/usr/bin:/bin"})
        return {"script": script, "job": fields}
    fields.setdefault("environment", ["PATH=/usr/bin:/bin"])
    fields.setdefault("script", script)
    return {"job": fields}


def headers(
    mock: MockSlurmrestd, user: str = "jgalice", as_user: str | None = None
) -> dict[str, str]:
    return {"X-SLURM-USER-NAME": as_user or user, "X-SLURM-USER-TOKEN": mock.token(user)}


async def get_json(client: httpx.AsyncClient, url: str) -> Any:
    response = await client.get(url)
    return response.json()


def key_shape(value: Any) -> Any:
    """Dict keys all the way down; lists by their first item; maps keyed by numbers (v0.0.38
    sockets and cores) by their first value; scalars by nothing."""
    if isinstance(value, dict):
        if value and all(str(key).isdigit() for key in value):
            return {"<n>": key_shape(next(iter(value.values())))}
        return {key: key_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [key_shape(value[0])] if value and isinstance(value[0], dict | list) else []
    return None


def shape_differences(mock: Any, real: Any, path: str = "") -> list[str]:
    """Where the key structure differs (a null on one side and an object on the other counts
    only when the key itself is missing)."""
    out: list[str] = []
    if isinstance(real, dict) and isinstance(mock, dict):
        for key in sorted(real.keys() - mock.keys()):
            out.append(f"{path}/{key}: missing in mock")
        for key in sorted(mock.keys() - real.keys()):
            out.append(f"{path}/{key}: not in the real answer")
        for key in sorted(real.keys() & mock.keys()):
            out += shape_differences(mock[key], real[key], f"{path}/{key}")
    elif isinstance(real, list) and isinstance(mock, list) and real and mock:
        out += shape_differences(mock[0], real[0], f"{path}[0]")
    return out
