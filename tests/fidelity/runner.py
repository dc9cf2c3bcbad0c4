"""Drive the fidelity comparison: every corpus script, on every (cluster, REST version) pair,
submitted once with the real sbatch and once through the agent's translator and slurmrestd,
then both records compared and both jobs cancelled.

Work runs concurrently: the three clusters at once, and within a cluster up to
`PER_CLUSTER` scripts at a time (Slurm commands in threads, REST calls on the event loop).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.errors import SlurmError, UnsupportedJobField
from jobbergate_agent.slurm.factory import build_slurm_client
from jobbergate_agent.slurm.sbatch import build_job, describe_unsupported
from tests.fidelity.corpus import CorpusScript, sbatch_header
from tests.fidelity.records import (
    JOB_ID,
    JUSTIFIED,
    Comparison,
    Difference,
    JobReader,
    Record,
    compare,
)
from tests.integration.lab import Cluster
from tests.integration.slurm.conftest import settings_for

PER_CLUSTER = 10
# JobDescription fields that slurmctld keeps to itself: no job record (scontrol text or JSON,
# REST) shows them, so for these options "identical" means both jobs were accepted and all
# that is shown matched.
NOT_IN_RECORDS = {
    "distribution_plane_size",
    "distribution",
    "memory_binding",
    "memory_binding_type",
    "cpu_binding",
    "account_gather_frequency",
    "wait_all_nodes",
    "open_mode",
    "kill_warning_signal",
    "kill_warning_delay",
    "kill_warning_flags",
    "kill_on_node_fail",
}
FINAL = {
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "OUT_OF_MEMORY",
    "NODE_FAIL",
    "BOOT_FAIL",
    "DEADLINE",
}
T = TypeVar("T")


@dataclass(frozen=True)
class Case:
    cluster: Cluster
    version: str
    script: CorpusScript

    @property
    def pair(self) -> str:
        return f"{self.cluster.name}/{self.version}"

    @property
    def id(self) -> str:
        return f"{self.pair}/{self.script.stem}"


@dataclass
class Outcome:
    case: Case
    # identical | justified | refused (by Slurm, both) | different | rejected | error
    status: str = "error"
    differences: list[Difference] = field(default_factory=list)
    message: str = ""  # the rejection or the error
    rejected_fields: tuple[str, ...] = ()
    compared: int = 0
    sbatch_job: int | None = None
    agent_job: int | None = None
    seconds: float = 0.0
    unseen: tuple[str, ...] = ()  # fields the options set that no job record shows

    def cell(self) -> str:
        if self.status == "identical":
            return "identical" + (f" (not shown: {', '.join(self.unseen)})" if self.unseen else "")
        if self.status == "justified":
            return "justified (" + ", ".join(d.field for d in self.differences) + ")"
        if self.status == "different":
            return "different (" + ", ".join(d.field for d in self.differences) + ")"
        if self.status == "refused":
            reason = self.message.split(";")[0].removeprefix("sbatch: ")
            return f"refused by this Slurm, both ({reason})"
        if self.status == "rejected":
            return f"rejected on {self.case.version} ({', '.join(self.rejected_fields)})"
        return f"error ({self.message.splitlines()[0][:80] if self.message else '?'})"


class ClusterRun:
    """One cluster's share of the run: directories, the placeholder job, the reader."""

    def __init__(self, cluster: Cluster, stamp: str, pool: ThreadPoolExecutor) -> None:
        self.cluster = cluster
        self.pool = pool
        self.stamp = stamp
        self.reader = JobReader(cluster)
        self.placeholder_job: int | None = None
        self.created: list[Path] = []
        self.clients: dict[str, Any] = {}
        self.settings: dict[str, Settings] = {}
        self.jobs: set[int] = set()  # every job created here, cancelled at the end
        self.node = str(cluster.raw.get("node", ""))
        # scripts whose two jobs would see each other (--dependency=singleton) run alone
        self.isolation = asyncio.Lock()

    async def thread(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, func, *args)

    def base(self, user: str) -> str:
        return f"/home/{user}/fidelity-{self.stamp}"

    def workdir(self, user: str, version: str) -> str:
        return f"{self.base(user)}/{version}"

    def prepare(self, users: Iterable[str], versions: Iterable[str]) -> None:
        """Fresh directories owned by each user: a working directory per REST version (the
        sbatch job is submitted from it, the agent's job has it as working directory)."""
        for user in users:
            uid, gid = _ids(self.cluster, user)
            base = self.cluster.host_path(self.base(user))
            scripts = [base / "scripts" / v for v in versions]
            dirs = [base, base / "scripts", *(base / v for v in versions), *scripts]
            for directory in dirs:
                directory.mkdir(mode=0o755, parents=True, exist_ok=True)
                os.chown(directory, uid, gid)
            self.created.append(base)

    def write_script(self, user: str, version: str, name: str, text: str) -> str:
        """The script as a file named as in the corpus: sbatch names a job after its file."""
        path = f"{self.base(user)}/scripts/{version}/{name}"
        host = self.cluster.host_path(path)
        host.write_text(text)
        uid, gid = _ids(self.cluster, user)
        os.chown(host, uid, gid)
        return path

    def sbatch(self, user: str, workdir: str, args: list[str], script: str) -> int:
        """The real sbatch as the user, from the working directory, like a person would."""
        result = self.cluster.run(
            "sh",
            "-c",
            'cd "$1" && shift && exec sbatch "$@"',
            "sh",
            workdir,
            "--parsable",
            *args,
            *([script] if script else []),
            user=user,
        )
        if result.returncode != 0 or not result.stdout.strip():
            raise SbatchRefused(f"sbatch {' '.join(args)} {script}: {result.stderr.strip()}")
        job_id = int(result.stdout.strip().split(";")[0])
        self.jobs.add(job_id)
        return job_id

    def cancel(self, *job_ids: int | None) -> None:
        ids = [str(job_id) for job_id in job_ids if job_id]
        if ids:
            self.cluster.run("scancel", *ids)

    def client(self, version: str, tmp: Path) -> Any:
        if version not in self.clients:
            self.clients[version] = build_slurm_client(settings_for(self.cluster, version, tmp))
        return self.clients[version]

    def build_settings(self, version: str) -> Settings:
        if version not in self.settings:
            self.settings[version] = Settings(
                DEFAULT_SLURM_WORK_DIR=f"/home/{{username}}/fidelity-{self.stamp}/{version}"
            )
        return self.settings[version]

    async def close(self, keep: bool) -> None:
        for client in self.clients.values():
            await client.aclose()
        await self.thread(self.cancel, *sorted(self.jobs))
        if not keep:
            for base in self.created:
                shutil.rmtree(base, ignore_errors=True)


class SbatchRefused(Exception):
    pass


def _ids(cluster: Cluster, user: str) -> tuple[int, int]:
    for line in (cluster.root / "etc/passwd").read_text().splitlines():
        parts = line.split(":")
        if parts[0] == user:
            return int(parts[2]), int(parts[3])
    raise AssertionError(f"{user} is not in {cluster.name}'s /etc/passwd")


def _state(record: Record) -> str:
    state = record.get("job_state", record.get("JobState"))
    if isinstance(state, list):
        return state[0] if state else ""
    return str(state or "")


def _stdout_path(record: Record) -> str | None:
    raw = record.raw
    if isinstance(raw, dict):
        return raw.get("stdout_expanded") or raw.get("standard_output") or None
    from tests.fidelity.records import parse_text_record

    return parse_text_record(str(raw)).get("StdOut")


async def _wait_final(run: ClusterRun, job_id: int, timeout: float = 120) -> Record:
    deadline = time.monotonic() + timeout
    while True:
        record = await run.thread(run.reader.read, job_id)
        states = record.get("job_state", record.get("JobState"))
        # FAILED with the COMPLETING flag: the record is still being finished (flags change)
        if _state(record) in FINAL and "COMPLETING" not in (states or []):
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {_state(record)} after {timeout:.0f}s")
        await asyncio.sleep(0.3)


def _dependency(record: Record) -> str:
    return str(record.get("dependency", record.get("Dependency")) or "")


async def _dependency_tested(
    run: ClusterRun, job_id: int, sbatch: Record, timeout: float = 15
) -> Record:
    """The job's record once slurmctld has tested its dependency as it had the sbatch job's:
    a new job shows "singleton(unfulfilled)" until the scheduler looks at it again (seen once
    under load on 26.05). A dependency that stays unfulfilled is still reported."""
    deadline = time.monotonic() + timeout
    while True:
        record = await run.thread(run.reader.read, job_id)
        pending = "unfulfilled" in _dependency(record) and "unfulfilled" not in _dependency(sbatch)
        if not pending or time.monotonic() > deadline:
            return record
        await asyncio.sleep(0.5)


async def _output(run: ClusterRun, record: Record, timeout: float = 15) -> str:
    path = _stdout_path(record)
    if not path:
        return "<no output path>"
    host = run.cluster.host_path(path)
    deadline = time.monotonic() + timeout
    while not host.exists():
        if time.monotonic() > deadline:
            return f"<{path} missing>"
        await asyncio.sleep(0.2)
    text = host.read_text().replace(str(record.job_id), JOB_ID)
    # which of the node's two fake GPUs a job gets depends on what else runs
    return re.sub(r"CUDA_VISIBLE_DEVICES=\d+", "CUDA_VISIBLE_DEVICES=<gpu>", text)


async def run_case(run: ClusterRun, case: Case, tmp: Path) -> Outcome:
    started = time.monotonic()
    outcome = Outcome(case)
    script = case.script
    user = script.user
    placeholders = {"@NODE@": run.node, "@JOBID@": str(run.placeholder_job)}
    text = script.render(placeholders)
    workdir = run.workdir(user, case.version)
    holding = False
    try:
        path = await run.thread(run.write_script, user, case.version, script.name, text)
        if script.meta.get("isolate") == "yes":
            await run.isolation.acquire()
            holding = True
        if script.refused_on(case.cluster.slurm_version):
            await _both_refused(run, case, outcome, text, path, workdir, tmp)
            return outcome
        outcome.sbatch_job = await run.thread(
            run.sbatch, user, workdir, script.sbatch_arguments, path
        )
        first: Record | None = None
        if script.meta.get("isolate") == "yes":
            # read the sbatch job, then end it before the agent's job exists
            first = await run.thread(run.reader.read, outcome.sbatch_job)
            await run.thread(run.cancel, outcome.sbatch_job)
            await _wait_final(run, outcome.sbatch_job, timeout=20)
        built = build_job(
            script.name,
            text.encode(),
            sbatch_arguments=script.sbatch_arguments,
            username=user,
            job_name=script.name,
            settings=run.build_settings(case.version),
        )
        outcome.unseen = tuple(f for f in built.job.fields_given() if f in NOT_IN_RECORDS)
        client = run.client(case.version, tmp)
        try:
            result = await client.submit(user, built.job)
        except UnsupportedJobField as error:
            outcome.status = "rejected"
            outcome.rejected_fields = error.fields
            outcome.message = describe_unsupported(built, error)
            # the sbatch job proves the option itself is valid on this cluster
            await run.thread(run.reader.read, outcome.sbatch_job)
            return outcome
        outcome.agent_job = result.job_id
        run.jobs.add(result.job_id)
        comparison = await _compare(
            run, case, text, outcome.sbatch_job, result.job_id, sbatch_record=first
        )
        outcome.differences = comparison.differences
        outcome.compared = comparison.compared
        outcome.status = "different" if comparison.differences else "identical"
        justified = JUSTIFIED.get((script.stem, case.cluster.name))
        if justified is not None and justified == {
            d.field: (d.sbatch, d.agent) for d in comparison.differences
        }:
            outcome.status = "justified"
    except (SlurmError, SbatchRefused, AssertionError, OSError) as error:
        outcome.status = "error"
        outcome.message = f"{type(error).__name__}: {error}"
    finally:
        await run.thread(run.cancel, outcome.sbatch_job, outcome.agent_job)
        if holding:
            run.isolation.release()
        outcome.seconds = time.monotonic() - started
    return outcome


async def _both_refused(
    run: ClusterRun, case: Case, outcome: Outcome, text: str, path: str, workdir: str, tmp: Path
) -> None:
    """A job this Slurm refuses (corpus `refused-from`): sbatch must be refused, and the
    agent's submission too, by slurmctld with the same reason."""
    script = case.script
    try:
        job = await run.thread(run.sbatch, script.user, workdir, script.sbatch_arguments, path)
    except SbatchRefused as error:
        reason = str(error).rpartition("Batch job submission failed: ")[2].strip()
    else:
        outcome.sbatch_job = job
        outcome.message = f"sbatch accepted job {job}, which this Slurm should refuse"
        return
    built = build_job(
        script.name,
        text.encode(),
        sbatch_arguments=script.sbatch_arguments,
        username=script.user,
        job_name=script.name,
        settings=run.build_settings(case.version),
    )
    try:
        result = await run.client(case.version, tmp).submit(script.user, built.job)
    except SlurmError as error:
        outcome.message = f"sbatch: {reason}; agent: {error}"
        outcome.status = "refused" if reason and reason in str(error) else "different"
        return
    outcome.agent_job = result.job_id
    run.jobs.add(result.job_id)
    outcome.status = "different"
    outcome.message = f"sbatch was refused ({reason}) but the agent's job {result.job_id} exists"


async def _compare(
    run: ClusterRun,
    case: Case,
    text: str,
    sbatch_id: int,
    agent_id: int,
    sbatch_record: Record | None = None,
) -> Comparison:
    if sbatch_record is not None:
        first = sbatch_record
        agent_record = await _dependency_tested(run, agent_id, first)
    elif case.script.runs:
        first, agent_record = await asyncio.gather(
            _wait_final(run, sbatch_id), _wait_final(run, agent_id)
        )
    else:
        first = await run.thread(run.reader.read, sbatch_id)
        agent_record = await run.thread(run.reader.read, agent_id)
    comparison = compare(first, agent_record, ran=case.script.runs)
    # The agent submits a wrapper; it must keep the #SBATCH header sbatch read, verbatim.
    wrapper = await run.thread(run.reader.batch_script, agent_id)
    expected, kept = sbatch_header(text), sbatch_header(wrapper)
    comparison.compared += 1
    if expected != kept:
        comparison.differences.append(Difference("batch script #SBATCH header", expected, kept))
    if case.script.runs:
        outputs = await asyncio.gather(_output(run, first), _output(run, agent_record))
        comparison.compared += 1
        if outputs[0] != outputs[1]:
            comparison.differences.append(Difference("output file", *outputs))
    return comparison


async def run_cases(cases: list[Case], tmp: Path, *, keep: bool = False) -> list[Outcome]:
    """Run every case; the clusters concurrently, PER_CLUSTER scripts at once on each."""
    # one number, so that the job-id token never replaces a part of it (job 6274 turned
    # fidelity-<time>-6274/ into fidelity-<time>-<jobid>/)
    stamp = f"{int(time.time())}{os.getpid():07d}"
    by_cluster: dict[str, list[Case]] = {}
    for case in cases:
        by_cluster.setdefault(case.cluster.name, []).append(case)
    with ThreadPoolExecutor(max_workers=8 * len(by_cluster) + 4) as pool:
        results = await asyncio.gather(
            *(_run_cluster(group, stamp, pool, tmp, keep) for group in by_cluster.values())
        )
    return [outcome for group in results for outcome in group]


async def _run_cluster(
    cases: list[Case], stamp: str, pool: ThreadPoolExecutor, tmp: Path, keep: bool
) -> list[Outcome]:
    cluster = cases[0].cluster
    run = ClusterRun(cluster, stamp, pool)
    users = sorted({case.script.user for case in cases} | {cluster.users[0]})
    versions = sorted({case.version for case in cases})
    await run.thread(run.prepare, users, versions)
    try:
        # the job that afterok:@JOBID@ waits for, held so that it never runs
        run.placeholder_job = await run.thread(
            run.sbatch,
            cluster.users[0],
            run.base(cluster.users[0]),
            ["--hold", "-J", "fidelity-dependency", "--wrap", "true"],
            "",
        )
        limit = asyncio.Semaphore(PER_CLUSTER)

        async def one(case: Case) -> Outcome:
            async with limit:
                return await run_case(run, case, tmp)

        # jobs that really run go first: they take longest
        ordered = sorted(cases, key=lambda c: (not c.script.runs, c.script.stem, c.version))
        return list(await asyncio.gather(*(one(case) for case in ordered)))
    finally:
        await run.close(keep)
