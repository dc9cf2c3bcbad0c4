"""Putting the agent together from the settings, and taking it apart again."""

from __future__ import annotations

import contextlib

from jobbergate_agent.agent.components import (
    Translator,
    UserMapper,
    build_user_mapper,
    load_translator,
)
from jobbergate_agent.agent.context import AgentContext
from jobbergate_agent.agent.journal import Journal
from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.client import SlurmClient


def build_context(
    settings: Settings,
    *,
    jobbergate: JobbergateClient | None = None,
    slurm: SlurmClient | None = None,
    mapper: UserMapper | None = None,
    journal: Journal | None = None,
    translator: Translator | None = None,
) -> AgentContext:
    """The real pieces, or the ones given (tests). Raises ConfigurationError."""
    if slurm is None:
        from jobbergate_agent.slurm.factory import build_slurm_client

        slurm = build_slurm_client(settings)
    return AgentContext(
        settings,
        jobbergate=jobbergate or JobbergateClient(settings),
        slurm=slurm,
        mapper=mapper or build_user_mapper(settings),
        journal=journal or Journal.in_cache_dir(settings.CACHE_DIR),
        translator=translator or load_translator(),
    )


async def close_context(ctx: AgentContext) -> None:
    for close in (ctx.jobbergate.aclose, ctx.slurm.aclose, ctx.mapper.aclose):
        with contextlib.suppress(Exception):  # best effort; the process is ending
            await close()
    ctx.journal.close()
