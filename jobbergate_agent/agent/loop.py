"""The agent's schedule: three tasks, each in its own asyncio task, every interval.

- pending (`agent.pending`): CREATED submissions become Slurm jobs, or rejections;
- active (`agent.active`): jobs are followed and cancellations carried to Slurm;
- heartbeat: `PUT /clusters/status?interval=TASK_JOBS_INTERVAL_SECONDS`.

They never wait for each other: a slow slurmrestd delays the pending and active tasks, never
the heartbeat. A run that outlasts its interval skips the ticks it overran instead of piling
up runs. A failure in one run is logged and the next tick starts afresh; a failure with one
submission stays with that submission. `request_stop()` lets each task finish the step it is
in (no new submission is started), then `run_forever` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from loguru import logger

from jobbergate_agent.agent.active import ActiveTask
from jobbergate_agent.agent.context import AgentContext, TaskOutcome, describe
from jobbergate_agent.agent.pending import PendingTask

# What a run that changed nothing counts.
QUIET_COUNTS = frozenset({"unchanged", "settled", "being submitted", "conflict, not retried"})


class Task(Protocol):
    name: str

    async def run(self) -> TaskOutcome: ...


class HeartbeatTask:
    name = "heartbeat"

    def __init__(self, ctx: AgentContext) -> None:
        self.ctx = ctx

    async def run(self) -> TaskOutcome:
        outcome = TaskOutcome(self.name)
        interval = self.ctx.settings.TASK_JOBS_INTERVAL_SECONDS
        try:
            await self.ctx.jobbergate.report_status(interval)
        except Exception as error:
            outcome.ok = False
            outcome.error = f"could not report the cluster status: {describe(error)}"
        else:
            outcome.counts["reported"] += 1
        return outcome


class Agent:
    def __init__(self, ctx: AgentContext) -> None:
        self.ctx = ctx
        self.stop_event = asyncio.Event()
        self.tasks: list[Task] = [
            PendingTask(ctx, self.stop_event),
            ActiveTask(ctx, self.stop_event),
            HeartbeatTask(ctx),
        ]
        self.runs: dict[str, int] = {task.name: 0 for task in self.tasks}
        self.skipped: dict[str, int] = {task.name: 0 for task in self.tasks}

    def request_stop(self) -> None:
        if not self.stop_event.is_set():
            logger.info("stopping: finishing the current step of each task")
        self.stop_event.set()

    async def run_once(self) -> bool:
        """One run of every task, side by side; True if every one went well."""
        outcomes = await asyncio.gather(*(self.run_task(task) for task in self.tasks))
        return all(outcome.ok for outcome in outcomes)

    async def run_forever(self) -> None:
        runners = [
            asyncio.create_task(self._every(task), name=f"jobbergate-agent-{task.name}")
            for task in self.tasks
        ]
        try:
            await asyncio.gather(*runners)
        finally:
            for runner in runners:
                runner.cancel()

    async def run_task(self, task: Task) -> TaskOutcome:
        self.runs[task.name] += 1
        try:
            outcome = await task.run()
        except Exception as error:  # a bug in a task must not end the daemon
            logger.opt(exception=error).error("{} task failed: {}", task.name, describe(error))
            outcome = TaskOutcome(task.name, ok=False, error=describe(error))
        if not outcome.ok:
            logger.warning(outcome.summary())
        elif task.name == "heartbeat" or set(outcome.counts) <= QUIET_COUNTS:
            logger.debug(outcome.summary())  # a quiet cycle: nothing worth a line at INFO
        else:
            logger.info(outcome.summary())
        return outcome

    async def _every(self, task: Task) -> None:
        interval = self.ctx.settings.TASK_JOBS_INTERVAL_SECONDS
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while not self.stop_event.is_set():
            await self.run_task(task)
            next_at += interval
            now = loop.time()
            if now > next_at:
                missed = int((now - next_at) // interval) + 1
                self.skipped[task.name] += missed
                logger.warning(
                    "{} task took longer than its interval ({} s); skipping {} tick(s)",
                    task.name,
                    interval,
                    missed,
                )
                next_at += missed * interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), timeout=next_at - now)
