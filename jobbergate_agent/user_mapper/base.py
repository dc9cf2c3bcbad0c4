"""The one interface every user mapper implements (built-in or plugin)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self, runtime_checkable


@dataclass(frozen=True)
class MappingResult:
    """An answer with its provenance, for `jg-run users lookup` and logs."""

    email: str
    username: str
    # "cache", "directory" or the mapper's name for mappers that look nothing up
    source: str
    detail: str = ""


@runtime_checkable
class UserMapperProtocol(Protocol):
    """What the agent needs from a mapper; plugins may implement it without subclassing."""

    async def username_for(self, email: str) -> str: ...

    async def aclose(self) -> None: ...


class UserMapper(ABC):
    """Maps a Jobbergate user's email to the Slurm username their jobs run as.

    `username_for` raises `UnmappableUserError` (reject the submission) or
    `DirectoryUnavailableError` (retry next cycle); nothing else is expected.
    """

    name: str = "user-mapper"

    @abstractmethod
    async def username_for(self, email: str) -> str: ...

    async def lookup(self, email: str) -> MappingResult:
        """Like `username_for`, saying where the answer came from."""
        return MappingResult(email=email, username=await self.username_for(email), source=self.name)

    async def aclose(self) -> None:
        """Release connections and files; the mapper is not used afterwards."""
        return None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
