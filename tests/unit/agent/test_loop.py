"""The schedule: --once exit status, tasks that never block each other, overruns, signals."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from jobbergate_agent.agent.context import TaskOutcome
from jobbergate_agent.agent.loop import Agent
from jobbergate_agent.commands.run import run
from tests.unit.agent.conftest import CLIENT_ID, add_submission

ROOT = Path(__file__).resolve().parents[3]


async def test_once_runs_every_task_and_exits_0(mock, slurm, ctx):
    sid = add_submission(mock, "once")
    code = await run(once=True, ctx=ctx, setup_logging=False)
    assert code == 0
    assert mock.submissions[sid].status == "SUBMITTED"
    assert mock.cluster_status[CLIENT_ID].interval == 30  # the heartbeat, with the interval
    assert slurm.calls["aclose"] == 1  # clients closed on the way out


async def test_once_exits_1_when_a_task_did_not_go_well(mock, slurm, ctx):
    mock.add_fault("PUT", "/jobbergate/clusters/status", 503, count=10)
    sid = add_submission(mock, "still-submitted")
    assert await run(once=True, ctx=ctx, setup_logging=False) == 1
    assert mock.submissions[sid].status == "SUBMITTED"  # the other tasks went on


async def test_once_exits_1_when_slurmrestd_is_down(mock, slurm, ctx):
    from jobbergate_agent.slurm.errors import SlurmConnectionError

    slurm.fail_next("negotiate", SlurmConnectionError("connection refused"), times=2)
    assert await run(once=True, ctx=ctx, setup_logging=False) == 1
    assert CLIENT_ID in mock.cluster_status  # the heartbeat still went out


class _Task:
    def __init__(self, name: str, duration: float = 0.0, fail: bool = False) -> None:
        self.name = name
        self.duration = duration
        self.fail = fail
        self.starts: list[float] = []

    async def run(self) -> TaskOutcome:
        self.starts.append(time.monotonic())
        await asyncio.sleep(self.duration)
        if self.fail:
            raise RuntimeError("a bug in this task")
        return TaskOutcome(self.name)


async def test_tasks_never_block_each_other_and_overruns_skip_ticks(make_ctx, settings):
    ctx = make_ctx(settings_=settings.model_copy(update={"TASK_JOBS_INTERVAL_SECONDS": 1}))
    agent = Agent(ctx)
    slow, fast, broken = _Task("slow", 1.5), _Task("fast"), _Task("broken", fail=True)
    agent.tasks = [slow, fast, broken]
    agent.runs = {t.name: 0 for t in agent.tasks}
    agent.skipped = {t.name: 0 for t in agent.tasks}

    runner = asyncio.create_task(agent.run_forever())
    await asyncio.sleep(3.5)
    agent.request_stop()
    await asyncio.wait_for(runner, timeout=5)

    assert len(fast.starts) == 4  # t = 0, 1, 2, 3 while slow ran
    assert len(broken.starts) == 4  # an exception every run does not end the task
    assert len(slow.starts) == 2  # t = 0 and 2: the tick at 1 s was skipped, not queued
    assert agent.skipped["slow"] == 2  # the ticks at 1 s and, after the stop, at 3 s
    assert 1.9 < slow.starts[1] - slow.starts[0] < 2.5


async def test_stop_lets_the_current_step_finish(make_ctx, settings):
    ctx = make_ctx(settings_=settings.model_copy(update={"TASK_JOBS_INTERVAL_SECONDS": 60}))
    agent = Agent(ctx)
    step = _Task("step", 0.5)
    agent.tasks = [step]
    agent.runs = {"step": 0}
    agent.skipped = {"step": 0}
    runner = asyncio.create_task(agent.run_forever())
    await asyncio.sleep(0.1)
    agent.request_stop()
    started = time.monotonic()
    await asyncio.wait_for(runner, timeout=5)
    assert len(step.starts) == 1
    assert time.monotonic() - started > 0.3  # it waited for the step, then did not sleep 60 s


DAEMON = textwrap.dedent("""
    import asyncio, json, sys
    sys.path.insert(0, {root!r})
    import httpx
    from jobbergate_agent.agent.context import AgentContext
    from jobbergate_agent.agent.journal import Journal
    from jobbergate_agent.commands.run import run
    from jobbergate_agent.devstack.mock_jobbergate import MockJobbergate
    from jobbergate_agent.jobbergate.client import JobbergateClient
    from tests.unit.agent.conftest import CLIENT_ID, MINIMAL, SECRET, add_submission, make_settings
    from tests.unit.agent.fakes import FakeMapper, FakeSlurm

    mock = MockJobbergate(client_id=CLIENT_ID, client_secret=SECRET)
    first, second = add_submission(mock, "first"), add_submission(mock, "second")
    settings = make_settings({cache!r}, TASK_JOBS_INTERVAL_SECONDS=1, SUBMISSION_CONCURRENCY=1)
    class Announcing(FakeSlurm):
        async def submit(self, user, job):
            print("SUBMIT STARTED", file=sys.stderr, flush=True)
            return await super().submit(user, job)

    slurm = Announcing(submit_delay=1.5)
    ctx = AgentContext(
        settings,
        jobbergate=JobbergateClient(settings, transport=httpx.ASGITransport(app=mock.app)),
        slurm=slurm, mapper=FakeMapper({{"alice@example.com": "alice"}}),
        journal=Journal.in_cache_dir(settings.CACHE_DIR), translator=MINIMAL)
    code = asyncio.run(run(ctx=ctx))
    print(json.dumps({{"first": mock.submissions[first].status,
                      "second": mock.submissions[second].status,
                      "submits": slurm.calls["submit"]}}), flush=True)
    sys.exit(code)
""")


def test_sigterm_finishes_the_current_submission_and_exits_0(tmp_path):
    script = tmp_path / "daemon.py"
    script.write_text(DAEMON.format(root=str(ROOT), cache=str(tmp_path / "cache")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBBERGATE_AGENT_")}
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:  # wait until the first submit is in flight
            if "SUBMIT STARTED" in line:
                break
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result == {"first": "SUBMITTED", "second": "CREATED", "submits": 1}
    assert "SIGTERM received" in stderr and "jobbergate agent stopped" in stderr
    assert "Traceback" not in stderr


def test_a_bad_setting_stops_the_daemon_with_one_line(monkeypatch, capsys):
    from jobbergate_agent import cli

    monkeypatch.setenv("JOBBERGATE_AGENT_SLURMRESTD_AUTH_MODE", "sideways")
    assert cli.main(["--once"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jg-run: configuration error: JOBBERGATE_AGENT_SLURMRESTD_AUTH_MODE")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


async def test_build_context_uses_the_real_mapper_and_translator(settings, slurm):
    from jobbergate_agent.agent.assemble import build_context, close_context

    ctx = build_context(settings.model_copy(update={"SINGLE_USER_SUBMITTER": "jobs"}), slurm=slurm)
    try:
        assert type(ctx.mapper).__module__ == "jobbergate_agent.user_mapper.single_user"
        assert await ctx.mapper.username_for("anyone@example.com") == "jobs"
        assert ctx.translator.source == "jobbergate_agent.slurm.sbatch"
        assert ctx.journal.path == settings.CACHE_DIR / "submission-journal.sqlite3"
    finally:
        await close_context(ctx)
    assert slurm.calls["aclose"] == 1
