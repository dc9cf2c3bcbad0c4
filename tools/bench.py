"""`make bench`: how fast the agent is, and how much memory it needs, measured.

The agent's own cost is measured in-process, against the mock Jobbergate API and the mock
slurmrestd (no network, no scheduler in the way), so the figures are the agent's and repeat
from run to run. With the lab up (`--lab`, the default when clusters.json exists), the raw
submission rate of the slurmrestd client is also measured against each real cluster.

Each figure has a target; the run exits 1 when one is missed, and prints a table either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAB = Path(os.environ.get("LAB_DIR", "/var/lib/jobbergate-agent-lab")) / "clusters.json"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str
    ok: bool


FIGURES: list[Figure] = []


def record(name: str, value: float, unit: str, target: float, *, higher_is_better: bool) -> None:
    ok = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    FIGURES.append(Figure(name, value, unit, f"{sign} {target:g} {unit}", ok))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- start-up ------------------------------------------------------------------------------


def bench_startup() -> None:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "jobbergate_agent.cli", "--help"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        runs.append(time.perf_counter() - started)
    record(
        "jg-run --help (process start to exit)", min(runs) * 1000, "ms", 800, higher_is_better=False
    )


# --- translation -----------------------------------------------------------------------------


def bench_translation() -> None:
    from jobbergate_agent.settings import Settings
    from jobbergate_agent.slurm.adapters import get_adapter
    from jobbergate_agent.slurm.errors import UnsupportedJobField
    from jobbergate_agent.slurm.sbatch import TranslationError, build_job

    settings = Settings()
    corpus = sorted((ROOT / "tests" / "fidelity" / "corpus").glob("*.sh"))
    scripts = [(p.name, p.read_bytes()) for p in corpus]
    adapter = get_adapter("v0.0.45")
    rounds = 5
    started = time.perf_counter()
    done = 0
    for _ in range(rounds):
        for name, content in scripts:
            try:
                built = build_job(name, content, username="jgalice", settings=settings)
                adapter.render_submission(built.job)
            except (TranslationError, UnsupportedJobField):
                pass
            done += 1
    per_script = (time.perf_counter() - started) / done * 1000
    record(
        f"translate + render one script ({len(scripts)} corpus scripts)",
        per_script,
        "ms",
        2.0,
        higher_is_better=False,
    )

    # The largest bundle Slurm takes by default: 3.5 MB of support files in 40 files.
    files = {f"data/part-{i:02d}.bin": os.urandom(64 * 1024) for i in range(40)}
    files |= {f"text-{i}.txt": ("x" * 1000 + "\n").encode() * 20 for i in range(10)}
    big = Settings(MAX_BATCH_SCRIPT_BYTES=8 * 1024 * 1024)
    started = time.perf_counter()
    built = build_job(
        "job.sh", b"#!/bin/sh\necho hi\n", support_files=files, username="jgalice", settings=big
    )
    elapsed = (time.perf_counter() - started) * 1000
    size = len((built.job.script or "").encode())
    record(
        f"bundle {sum(map(len, files.values())) / 1e6:.1f} MB of support files "
        f"({size / 1e6:.1f} MB script)",
        elapsed,
        "ms",
        250,
        higher_is_better=False,
    )


# --- the whole pipeline against the mocks ------------------------------------------------------


async def bench_pipeline(count: int) -> None:
    import httpx

    from jobbergate_agent.agent.assemble import build_context, close_context
    from jobbergate_agent.agent.loop import Agent
    from jobbergate_agent.devstack.mock_jobbergate import (
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        REALM,
        MockJobbergate,
    )
    from jobbergate_agent.devstack.mock_slurmrestd import MockSlurmrestd
    from jobbergate_agent.jobbergate.client import JobbergateClient
    from jobbergate_agent.settings import Settings
    from jobbergate_agent.slurm.factory import build_slurm_client

    work = Path(tempfile.mkdtemp(prefix="jg-bench-"))
    key = work / "jwt.key"
    key.write_bytes(os.urandom(32))
    key.chmod(stat.S_IRUSR | stat.S_IWUSR)
    api = MockJobbergate()
    slurm = MockSlurmrestd(key.read_bytes(), "26.05", pending_seconds=3600, run_seconds=3600)
    script = "#!/bin/bash\n#SBATCH --job-name=bench\n#SBATCH --time=5\n#SBATCH --mem=100M\n"
    script += "#SBATCH --ntasks=2 --cpus-per-task=1\necho hi\n"
    script_id = api.add_job_script(
        "bench", {"job.sh": script, "input.txt": "x" * 2000}, entrypoint="job.sh"
    )
    for i in range(count):
        api.add_submission(script_id, f"bench-{i}", execution_directory=f"/home/jgalice/r{i}")
    settings = Settings(
        BASE_API_URL="http://mock-api",
        OIDC_DOMAIN=f"mock-api/realms/{REALM}",
        OIDC_USE_HTTPS=False,
        OIDC_CLIENT_ID=DEFAULT_CLIENT_ID,
        OIDC_CLIENT_SECRET=DEFAULT_CLIENT_SECRET,
        BASE_SLURMRESTD_URL="http://mock-slurmrestd",
        SLURMRESTD_JWT_KEY_PATH=key,
        X_SLURM_USER_NAME="jgalice",
        CACHE_DIR=work / "cache",
        MAX_PAGES_PER_CYCLE=100,
        SUBMISSION_CONCURRENCY=8,
    )
    jobbergate = JobbergateClient(settings, transport=httpx.ASGITransport(app=api.app))
    client = build_slurm_client(settings, transport=slurm.transport())
    ctx = build_context(settings, jobbergate=jobbergate, slurm=client)
    agent = Agent(ctx)
    try:
        before_api, before_slurm = len(api.requests), slurm.requests
        started = time.perf_counter()
        await agent.run_once()
        elapsed = time.perf_counter() - started
        submitted = sum(1 for row in api.submissions.values() if row.status == "SUBMITTED")
        if submitted != count:
            raise SystemExit(f"bench: only {submitted} of {count} submissions were submitted")
        record(
            f"pending: {count} submissions in one cycle (mock API + mock slurmrestd)",
            count / elapsed,
            "submissions/s",
            40,
            higher_is_better=True,
        )
        api_per = (len(api.requests) - before_api) / count
        slurm_per = (slurm.requests - before_slurm) / count
        FIGURES.append(
            Figure(
                "  requests per submission: API / slurmrestd",
                round(api_per, 2),
                f"/ {slurm_per:.2f}",
                "(reported)",
                True,
            )
        )

        # Active: every job changes state once (PENDING -> RUNNING), then nothing changes.
        slurm.store.pending_seconds = 0
        slurm.store.advance()
        before = slurm.requests
        started = time.perf_counter()
        await agent.run_once()
        changed = time.perf_counter() - started
        first_cycle = slurm.requests - before
        before = slurm.requests
        started = time.perf_counter()
        await agent.run_once()
        steady = time.perf_counter() - started
        steady_requests = slurm.requests - before
        record(
            f"active: {count} jobs all changed, one cycle", changed, "s", 10, higher_is_better=False
        )
        FIGURES.append(
            Figure(
                "  slurmrestd requests in that cycle",
                first_cycle,
                "requests",
                f"1 state query + {count} reads",
                True,
            )
        )
        record(
            f"active: {count} jobs, nothing changed, one cycle",
            steady,
            "s",
            1.0,
            higher_is_better=False,
        )
        record(
            "  slurmrestd requests when nothing changed",
            steady_requests,
            "requests",
            1,
            higher_is_better=False,
        )
    finally:
        await close_context(ctx)
        slurm.close()
    record(
        f"peak memory (RSS) after {count} submissions tracked",
        rss_mb(),
        "MB",
        250,
        higher_is_better=False,
    )


# --- the real lab --------------------------------------------------------------------------------


async def bench_lab(count: int) -> None:
    import shutil

    from jobbergate_agent.settings import Settings
    from jobbergate_agent.slurm.factory import build_slurm_client
    from jobbergate_agent.slurm.types import JobDescription

    for cluster in json.loads(LAB.read_text()):
        version = max(v for v in cluster["rest_versions"] if v >= "v0.0.38")
        work = Path(tempfile.mkdtemp(prefix="jg-bench-lab-"))
        key = work / "jwt.key"
        shutil.copyfile(cluster["jwt_key"], key)
        key.chmod(0o600)
        user = cluster["users"][0]
        settings = Settings(
            BASE_SLURMRESTD_URL=cluster["url"],
            SLURM_RESTD_VERSION=version,
            SLURMRESTD_JWT_KEY_PATH=key,
            X_SLURM_USER_NAME=user,
        )
        client = build_slurm_client(settings)
        job = JobDescription(
            script="#!/bin/sh\ntrue\n",
            name="jg-bench",
            hold=True,
            current_working_directory=f"/home/{user}",
            environment={"PATH": "/usr/bin:/bin"},
        )
        ids: list[int] = []
        try:
            await client.negotiate()
            started = time.perf_counter()
            for _ in range(count):
                ids.append((await client.submit(user, job)).job_id)
            elapsed = time.perf_counter() - started
            started = time.perf_counter()
            states = await client.get_job_states(user, ids)
            state_time = (time.perf_counter() - started) * 1000
        finally:
            for job_id in ids:
                await client.cancel(user, job_id)
            await client.aclose()
        record(
            f"lab {cluster['name']} {version}: submit + read back, one at a time",
            count / elapsed,
            "jobs/s",
            5,
            higher_is_better=True,
        )
        record(
            f"lab {cluster['name']} {version}: states of {len(states)} jobs, one request",
            state_time,
            "ms",
            500,
            higher_is_better=False,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--lab-jobs", type=int, default=30)
    parser.add_argument("--no-lab", action="store_true", help="skip the real-cluster figures")
    args = parser.parse_args()
    os.environ.setdefault("JOBBERGATE_AGENT_LOG_LEVEL", "WARNING")
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    bench_startup()
    bench_translation()
    asyncio.run(bench_pipeline(args.submissions))
    if not args.no_lab:
        if not LAB.exists():
            print(f"bench: {LAB} is missing; run `make lab-up` or pass --no-lab")
            return 2
        asyncio.run(bench_lab(args.lab_jobs))
    width = max(len(f.name) for f in FIGURES)
    print(f"{'measure':<{width}}  {'value':>12}  unit           target")
    for f in FIGURES:
        mark = "" if f.ok else "   <-- MISSED"
        value = f"{f.value:,.2f}" if isinstance(f.value, float) else f"{f.value}"
        print(f"{f.name:<{width}}  {value:>12}  {f.unit:<14} {f.target}{mark}")
    missed = [f for f in FIGURES if not f.ok]
    print(f"\n{len(FIGURES) - len(missed)} of {len(FIGURES)} figures on target")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
