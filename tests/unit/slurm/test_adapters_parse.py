"""Real slurmrestd answers (recorded from the lab per release and version) -> neutral types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobbergate_agent.slurm.adapters import get_adapter
from jobbergate_agent.slurm.errors import (
    SlurmAuthenticationError,
    SlurmEndpointNotServed,
    SlurmJobNotFound,
    SlurmRejected,
)
from jobbergate_agent.slurm.transport import Response, classify

FIXTURES = Path(__file__).parents[2] / "fixtures" / "slurmrestd"
RECORDED = sorted(p for p in FIXTURES.glob("*/v0.0.*") if p.is_dir())
IDS = [f"{p.parent.name}/{p.name}" for p in RECORDED]


def load(directory: Path, name: str):
    return json.loads((directory / f"{name}.json").read_text())


def response(directory: Path, name: str) -> Response:
    meta = json.loads((directory / "index.json").read_text())[name]
    path = next(directory.glob(f"{name}.*"))
    body = path.read_bytes()
    data = json.loads(body) if path.suffix == ".json" else None
    return Response(
        status=meta["status"], content_type=meta["content_type"] or "", body=body, data=data
    )


def test_every_release_is_recorded():
    assert {p.parent.name for p in RECORDED} == {"22.05.8", "24.11.5", "26.05.5"}
    assert len(RECORDED) == 8


@pytest.mark.parametrize("directory", RECORDED, ids=IDS)
def test_job_records_in_each_state(directory):
    adapter = get_adapter(directory.name)
    expected = {
        "job-pending": "PENDING",
        "job-running": "RUNNING",
        "job-completed": "COMPLETED",
        "job-failed": "FAILED",
        "job-cancelled": "CANCELLED",
    }
    for name, state in expected.items():
        (record,) = adapter.parse_jobs(load(directory, name))
        assert record.state == state, name
        assert record.user_name == "jgalice"
        assert record.submit_time and record.submit_time > 1_700_000_000
        assert json.loads(record.raw)["job_id"] == record.job_id
    (failed,) = adapter.parse_jobs(load(directory, "job-failed"))
    assert failed.exit_code == 3 and failed.end_time
    (done,) = adapter.parse_jobs(load(directory, "job-completed"))
    assert done.exit_code == 0
    assert done.standard_output and "%" not in done.standard_output  # the expanded path
    (proxied,) = adapter.parse_jobs(load(directory, "job-proxy"))
    assert proxied.user_name == "jgbob"


@pytest.mark.parametrize("directory", RECORDED, ids=IDS)
def test_submit_and_ping_answers(directory):
    adapter = get_adapter(directory.name)
    result = adapter.parse_submit(load(directory, "submit"))
    assert result.job_id > 0
    ping = adapter.parse_ping(load(directory, "ping"))
    assert ping.responding and ping.controllers
    assert ping.slurm_release == directory.parent.name


@pytest.mark.parametrize(
    "directory",
    [d for d in RECORDED if (d / "jobs-state.json").exists()],
    ids=lambda d: f"{d.parent.name}/{d.name}",
)
def test_batched_states(directory):
    states = get_adapter(directory.name).parse_states(load(directory, "jobs-state"))
    assert states and all(
        s.state in {"PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "COMPLETING"}
        for s in states.values()
    )


@pytest.mark.parametrize(
    "directory",
    [d for d in RECORDED if (d / "slurmdb-job.json").exists()],
    ids=lambda d: f"{d.parent.name}/{d.name}",
)
def test_slurmdbd_records(directory):
    adapter = get_adapter(directory.name)
    (failed,) = adapter.parse_db_jobs(load(directory, "slurmdb-job-failed"))
    assert failed.state == "FAILED" and failed.exit_code == 3 and failed.source == "slurmdbd"
    assert failed.user_name == "jgalice" and failed.end_time
    assert adapter.parse_db_jobs(load(directory, "slurmdb-job-unknown")) == []


@pytest.mark.parametrize("directory", RECORDED, ids=IDS)
def test_recorded_errors_map_to_their_class(directory):
    adapter = get_adapter(directory.name)

    def error(name, job_id=None):
        return classify(
            response(directory, name), name, job_id=job_id, auth_errors=adapter.auth_error_numbers
        )

    for name in ("auth-bad-token", "auth-expired-token", "auth-none"):
        assert isinstance(error(name), SlurmAuthenticationError), name
    assert isinstance(error("job-not-found", job_id=999_999), SlurmJobNotFound)
    rejected = error("submit-invalid-partition")
    assert isinstance(rejected, SlurmRejected) and rejected.error_number == 2000
    assert isinstance(error("unknown-path"), SlurmEndpointNotServed)
