"""The pieces the loop is built from that live in other packages, found at run time.

The sbatch translator (`jobbergate_agent.slurm.sbatch`) and the user mappers
(`jobbergate_agent.user_mapper.build_user_mapper`) are written alongside this loop. Until one
is present, a minimal stand-in with the same call is used, so switching is automatic and a
build without them still runs single-user, script-only submissions.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from jobbergate_agent.settings import ENV_PREFIX, ConfigurationError, Settings


class UserMapper(Protocol):
    async def username_for(self, email: str) -> str: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Translator:
    """`build_job`, its error class and `describe_unsupported`, from one module."""

    build_job: Callable[..., Any]
    error: type[Exception]
    describe_unsupported: Callable[[Any, Exception], str]
    source: str

    async def build(self, **kwargs: Any) -> Any:
        built = self.build_job(**kwargs)
        return await built if inspect.isawaitable(built) else built


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise  # the module exists but something it imports does not: a real error
        return None


def load_translator() -> Translator:
    module = _optional_module("jobbergate_agent.slurm.sbatch")
    if module is None or not hasattr(module, "build_job"):  # absent, or not finished yet
        module = importlib.import_module("jobbergate_agent.agent.minimal_builder")
    return Translator(
        build_job=module.build_job,
        error=module.TranslationError,
        describe_unsupported=module.describe_unsupported,
        source=module.__name__,
    )


class _SingleUser:
    """Every submission runs as SINGLE_USER_SUBMITTER (or X_SLURM_USER_NAME)."""

    def __init__(self, settings: Settings) -> None:
        self.username = settings.single_user_submitter

    async def username_for(self, email: str) -> str:
        return self.username

    async def aclose(self) -> None:
        return None


def build_user_mapper(settings: Settings) -> UserMapper:
    package = _optional_module("jobbergate_agent.user_mapper")
    factory = getattr(package, "build_user_mapper", None)
    if factory is not None:
        mapper: UserMapper = factory(settings)
        return mapper
    if settings.SLURM_USER_MAPPER not in (None, "", "single-user-mapper"):
        raise ConfigurationError(
            f"{ENV_PREFIX}SLURM_USER_MAPPER: {settings.SLURM_USER_MAPPER!r} is not available in "
            "this build; unset it to run every job as the single-user submitter"
        )
    return _SingleUser(settings)
