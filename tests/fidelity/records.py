"""Reading a job back from slurmctld and comparing two records field by field.

Both jobs of a comparison are read with the same reader: `scontrol show job --json` where
scontrol has it (24.11, 26.05), else the one-line text of `scontrol show job -o` (22.05, whose
scontrol has no --json). Each record is flattened to {field path: value}; the job's own id is
replaced by a token wherever it appears, so `slurm-81.out` and `slurm-82.out` compare equal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.integration.lab import Cluster

JOB_ID = "<jobid>"

# Justified differences (tests/fidelity/README.md explains each one). Keys are flattened
# field paths of the JSON reader and field names of the text reader.
IGNORED: dict[str, str] = {
    "job_id": "a new job id per submission",
    "JobId": "a new job id per submission",
    "submit_time": "submitted at different moments",
    "SubmitTime": "submitted at different moments",
    "last_sched_evaluation": "when the scheduler last looked at the job",
    "LastSchedEval": "when the scheduler last looked at the job",
    "accrue_time": "when the job started accruing priority",
    "AccrueTime": "when the job started accruing priority",
    "step_id.sluid": "a new unique step id per job",
    "command": "sbatch records the script's path; a REST job has no script file",
    "Command": "sbatch records the script's path; a REST job has no script file",
    "submit_line": "sbatch records its command line; a REST job has none",
    "SubmitLine": "sbatch records its command line; a REST job has none",
    "AllocNode:Sid": "the submitting process's session id (sbatch) vs slurmrestd's",
    "allocating_node": "the host sbatch ran on vs slurmrestd's host",
    "AllocNode": "the host sbatch ran on vs the address slurmrestd connected from",
}
# Differences that are sbatch's own: (script, cluster) -> {field: (sbatch value, agent value)}.
# A case listed here must show exactly these differences, no fewer and no others (README.md).
_MAIL_ALL = ["BEGIN", "END", "FAIL", "REQUEUE", "TIME=90%", "TIME=50%", "STAGE_OUT"]
JUSTIFIED: dict[tuple[str, str], dict[str, tuple[Any, Any]]] = {
    # a repeated --mail-type: 22.05's and 24.11's sbatch add them up, 26.05's keeps the last,
    # as the agent does
    ("064_mail_all_time_limits", "slurm-22.05"): {
        "MailType": (
            "INVALID_DEPEND,BEGIN,END,FAIL,REQUEUE,STAGE_OUT,TIME_LIMIT_50,TIME_LIMIT_90",
            "TIME_LIMIT_50,TIME_LIMIT_90",
        )
    },
    ("064_mail_all_time_limits", "slurm-24.11"): {
        "mail_type": ([*_MAIL_ALL, "INVALID_DEPENDENCY"], ["TIME=90%", "TIME=50%"])
    },
}
# Times that may differ by the seconds between the two submissions ("now+1hour", expected
# start of a pending job) and, for jobs that ran, by when each one ran.
TIME_TOLERANCE = 120
TIMES = {
    "eligible_time",
    "start_time",
    "end_time",
    "deadline",
    "EligibleTime",
    "StartTime",
    "EndTime",
    "Deadline",
}
# Only for jobs that ran: how long each one ran, on which core, what the scheduler tried.
RUN_IGNORED = {
    "job_resources.nodes.allocation": "which of the node's cores each job was given",
    "RunTime": "each job ran for its own few seconds",
    "Scheduler": "whether the main scheduler or backfill started the job",
    "pre_sus_time": "time run before a suspension, a few seconds either way",
    "SecsPreSuspend": "time run before a suspension, a few seconds either way",
}

# scontrol -o separates fields with a space; a field starts with a capitalised key
# (letters, '/', ':', '-', digits) and '='. Values such as TRES=cpu=1,mem=2000M keep their '='.
_TEXT_FIELD = re.compile(r"(?:^|\s)([A-Z][A-Za-z0-9_/:\-]*)=")


def parse_text_record(line: str) -> dict[str, str]:
    matches = list(_TEXT_FIELD.finditer(line))
    record: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(line)
        record[match.group(1)] = line[match.end() : end].strip()
    if "AllocNode:Sid" in record:  # the host part is comparable, the session id is not
        node, _, _sid = record["AllocNode:Sid"].partition(":")
        record["AllocNode"] = node
    return record


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _text_time(value: str) -> float | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


@dataclass
class Record:
    job_id: int
    fields: dict[str, Any]
    raw: Any = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


# Fields that may hold the job's own id: file names (%j expanded) and the array/step ids.
# Other fields are left alone: a job id of 2000 must not turn "mem=2000M" into a token.
_ID_FIELDS = re.compile(
    r"standard_|std(out|err|in)_expanded|^Std(Out|Err|In)$|job_id|ArrayJobId|HetJobId"
)


def _normalise(name: str, value: Any, job_id: int) -> Any:
    return _replace_id(value, job_id) if _ID_FIELDS.search(name) else value


def _replace_id(value: Any, job_id: int) -> Any:
    if isinstance(value, str):
        return re.sub(rf"(?<![0-9]){job_id}(?![0-9])", JOB_ID, value)
    if isinstance(value, int) and not isinstance(value, bool) and value == job_id:
        return JOB_ID
    if isinstance(value, list):
        return [_replace_id(item, job_id) for item in value]
    return value


class JobReader:
    """Reads job records from one cluster's slurmctld with scontrol."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        # 22.05's scontrol has no --json; 23.02 and later do
        probe = cluster.run("scontrol", "--json", "show", "partition")
        self.json = probe.returncode == 0

    @property
    def kind(self) -> str:
        return "scontrol --json" if self.json else "scontrol -o"

    def read(self, job_id: int) -> Record:
        if self.json:
            result = self.cluster.run("scontrol", "show", "job", "--json", str(job_id))
            if result.returncode != 0:
                raise AssertionError(
                    f"{self.cluster.name}: scontrol show job --json {job_id}: {result.stderr}"
                )
            jobs = json.loads(result.stdout)["jobs"]
            # an array job lists its tasks: keep the meta record (the one with the job's id)
            chosen = [job for job in jobs if job.get("job_id") == job_id] or jobs
            data = chosen[0]
            fields = {k: _normalise(k, v, job_id) for k, v in flatten(data).items()}
            return Record(job_id, fields, data)
        result = self.cluster.run("scontrol", "show", "job", "-o", str(job_id))
        if result.returncode != 0:
            raise AssertionError(
                f"{self.cluster.name}: scontrol show job {job_id}: {result.stderr}"
            )
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        chosen = [line for line in lines if line.startswith(f"JobId={job_id} ")] or lines
        text = parse_text_record(chosen[0])
        return Record(job_id, {k: _normalise(k, v, job_id) for k, v in text.items()}, chosen[0])

    def batch_script(self, job_id: int) -> str:
        result = self.cluster.run("scontrol", "write", "batch_script", str(job_id), "-")
        if result.returncode != 0:
            raise AssertionError(
                f"{self.cluster.name}: scontrol write batch_script {job_id}: {result.stderr}"
            )
        return result.stdout


@dataclass
class Difference:
    field: str
    sbatch: Any
    agent: Any

    def __str__(self) -> str:
        return f"{self.field}: sbatch {self.sbatch!r}, agent {self.agent!r}"


@dataclass
class Comparison:
    differences: list[Difference] = field(default_factory=list)
    compared: int = 0
    ignored: list[str] = field(default_factory=list)


def _close_times(name: str, a: Any, b: Any) -> bool:
    if name.split(".")[0] not in TIMES:
        return False
    x, y = _numeric(a), _numeric(b)
    if x is None and isinstance(a, str) and isinstance(b, str):
        x, y = _text_time(a), _text_time(b)
    if x is None or y is None:
        return False
    return abs(x - y) <= TIME_TOLERANCE


# Job flags that record what the scheduler did with the job so far (whether it has tested
# the dependencies yet, tried backfill), not what was asked for: removed before comparing.
SCHEDULER_FLAGS = {"DEPENDENT", "BACKFILL_ATTEMPTED"}
PRIORITIES = {"priority.number", "Priority"}


def _ignored(name: str, ignored: dict[str, str]) -> bool:
    return any(name == key or name.startswith((key + ".", key + "[")) for key in ignored)


def _priority_order(name: str, a: Any, b: Any) -> bool:
    """priority/basic gives each job that is not held one less than the job before it:
    two such jobs never have the same priority. Held jobs (priority 0) are compared."""
    return name in PRIORITIES and str(a) not in ("0", "None") and str(b) not in ("0", "None")


DEPENDENCIES = {"dependency", "Dependency"}


def _dependency_request(value: Any) -> str:
    """A dependency as asked for: without slurmctld's evaluation state "(unfulfilled)", and
    with a singleton that slurmctld found fulfilled (and so removed: "" or "(null)") counted
    as the singleton it was. When the scheduler first tests a new job depends on load, so two
    jobs asking for the same singleton show either spelling (seen on 22.05, 24.11, 26.05)."""
    text = re.sub(r"\((un)?fulfilled\)", "", str(value or ""))
    return "singleton" if text in ("", "(null)") else text


def compare(sbatch: Record, agent: Record, *, ran: bool = False) -> Comparison:
    ignored = dict(IGNORED)
    if ran:
        ignored.update(RUN_IGNORED)
    out = Comparison()
    for name in sorted(set(sbatch.fields) | set(agent.fields)):
        if _ignored(name, ignored):
            out.ignored.append(name)
            continue
        a, b = sbatch.fields.get(name), agent.fields.get(name)
        if name in DEPENDENCIES and "singleton" in f"{a}{b}":
            a, b = _dependency_request(a), _dependency_request(b)
        if name == "flags" and isinstance(a, list) and isinstance(b, list):
            a = [flag for flag in a if flag not in SCHEDULER_FLAGS]
            b = [flag for flag in b if flag not in SCHEDULER_FLAGS]
        out.compared += 1
        if a == b or _close_times(name, a, b) or _priority_order(name, a, b):
            continue
        out.differences.append(Difference(name, a, b))
    return out
