"""The reason Jobbergate shows people for a job's state."""

from __future__ import annotations

from jobbergate_agent.agent.context import record_reason
from jobbergate_agent.slurm.types import JobRecord


def record(**fields) -> JobRecord:
    return JobRecord(job_id=1, **{"state": "RUNNING", **fields})


def test_a_failed_job_says_its_exit_code():
    failed = record(state="FAILED", reason="NonZeroExitCode", exit_code=3)
    assert record_reason(failed) == "NonZeroExitCode: the job script exited with code 3"


def test_a_signalled_job_says_the_signal():
    timed_out = record(state="TIMEOUT", reason="TimeLimit", exit_signal=15)
    assert record_reason(timed_out) == "TimeLimit: the job script was ended by signal 15"


def test_slurms_none_is_no_reason_and_running_jobs_keep_theirs():
    assert record_reason(record(state="COMPLETED", reason="None", exit_code=0)) is None
    assert record_reason(record(state="PENDING", reason="Priority")) == "Priority"
    assert record_reason(record(state="CANCELLED", reason="None", exit_code=0)) is None
