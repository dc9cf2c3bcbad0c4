"""One exception class per way a conversation with slurmrestd can fail.

`transient` tells the agent loop whether trying again later can help (slurmrestd down, a
timeout, a gateway error) or whether the request itself is wrong (Slurm rejected the job, the
token is not accepted). Messages are for people: they name the operation, the server's own words
and, when there is one, what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SlurmErrorItem:
    """One entry of slurmrestd's `errors` list."""

    error_number: int | None = None
    error: str | None = None
    description: str | None = None
    source: str | None = None

    def text(self) -> str:
        parts = [p for p in (self.description, self.error) if p]
        # description usually says what the handler did, error what Slurm said: keep both
        # unless one repeats the other.
        if len(parts) == 2 and parts[0] in parts[1]:
            parts = [parts[1]]
        message = ": ".join(parts) if parts else "no message"
        return f"{message} (error {self.error_number})" if self.error_number else message


class SlurmError(Exception):
    """Base of every slurmrestd failure."""

    transient = False

    def __init__(
        self, message: str, *, status: int | None = None, errors: tuple[SlurmErrorItem, ...] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors

    @property
    def error_numbers(self) -> tuple[int, ...]:
        return tuple(e.error_number for e in self.errors if e.error_number is not None)


class SlurmConnectionError(SlurmError):
    """slurmrestd could not be reached, or it could not reach slurmctld/slurmdbd."""

    transient = True


class SlurmTimeoutError(SlurmConnectionError):
    """No answer within the configured timeout."""


class SlurmAuthenticationError(SlurmError):
    """The token was refused: wrong key, expired, or a user Slurm does not accept."""


class SlurmJobNotFound(SlurmError):
    """slurmctld (or slurmdbd) knows no job with this id (error 2017)."""

    def __init__(self, job_id: int, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or f"Slurm knows no job {job_id}", **kwargs)
        self.job_id = job_id


class SlurmRejected(SlurmError):
    """Slurm refused the request itself, e.g. an invalid partition or account."""

    @property
    def error_number(self) -> int | None:
        numbers = self.error_numbers
        return numbers[0] if numbers else None


class SlurmUnknownUser(SlurmRejected):
    """Slurm cannot resolve the user the job was submitted as (no such POSIX user there)."""

    def __init__(self, user: str, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.user = user


class SlurmInvalidResponse(SlurmError):
    """The answer could not be understood (not JSON, or not of the expected shape)."""

    transient = True


class SlurmVersionError(SlurmError):
    """The REST version asked for is not served, or no version is common to both sides."""


class SlurmEndpointNotServed(SlurmError):
    """The path is not served by this slurmrestd (e.g. /slurmdb without accounting)."""


class UnsupportedJobField(SlurmError):
    """Job description fields that the negotiated REST version cannot express."""

    def __init__(
        self, fields: tuple[str, ...], version: str, hints: dict[str, str] | None = None
    ) -> None:
        self.fields = fields
        self.version = version
        self.hints = hints or {}
        message = f"REST {version} cannot express {', '.join(fields)}"
        hint = "; ".join(f"{k}: {v}" for k, v in self.hints.items())
        super().__init__(f"{message} ({hint})" if hint else message)
