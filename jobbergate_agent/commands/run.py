"""`jg-run run` (also plain `jg-run`): the daemon; `--once` runs one cycle and exits."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

from loguru import logger

from jobbergate_agent.settings import load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the agent (the default command)",
        description="Submit pending Jobbergate submissions to Slurm through slurmrestd, follow "
        "their jobs and report the cluster's status, every TASK_JOBS_INTERVAL_SECONDS. SIGTERM "
        "or SIGINT finish the current step and exit with status 0.",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="run one cycle of every task, then exit: 0 if every task went well, 1 otherwise",
    )
    parser.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> Any:
    return run(once=bool(getattr(args, "once", False)))


async def run(*, once: bool = False, ctx: Any = None, setup_logging: bool = True) -> int:
    """The daemon (or one cycle). `ctx` is for tests: an AgentContext built elsewhere."""
    from jobbergate_agent.agent.assemble import build_context, close_context
    from jobbergate_agent.agent.loop import Agent
    from jobbergate_agent.logs import configure_logging, init_sentry

    settings = ctx.settings if ctx is not None else load_settings()
    if setup_logging:
        configure_logging(settings)
        init_sentry(settings)
    ctx = ctx or build_context(settings)
    agent = Agent(ctx)
    try:
        if once:
            return 0 if await agent.run_once() else 1
        logger.info(
            "jobbergate agent started: Jobbergate {} as {}, slurmrestd {}, every {} s",
            settings.BASE_API_URL,
            settings.OIDC_CLIENT_ID,
            settings.BASE_SLURMRESTD_URL,
            settings.TASK_JOBS_INTERVAL_SECONDS,
        )
        await _run_until_signalled(agent)
        logger.info("jobbergate agent stopped")
        return 0
    finally:
        await close_context(ctx)


async def _run_until_signalled(agent: Any) -> None:
    loop = asyncio.get_running_loop()
    main = asyncio.create_task(agent.run_forever())
    signals = (signal.SIGTERM, signal.SIGINT)

    def on_signal(number: int) -> None:
        if agent.stop_event.is_set():
            # A second signal: do not wait for the current step any longer.
            logger.warning("{} again: stopping now", signal.Signals(number).name)
            main.cancel()
        else:
            logger.info("{} received", signal.Signals(number).name)
            agent.request_stop()

    for number in signals:
        loop.add_signal_handler(number, on_signal, number)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await main
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
