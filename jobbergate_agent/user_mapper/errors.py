"""Typed errors of the user mappers.

Two families, because the agent loop treats them oppositely:

- `UnmappableUserError`: the directory answered, and this person has no (usable) account. The
  submission is rejected, and the message says which email and where it was looked up.
- `DirectoryUnavailableError`: the directory could not be asked (down, timed out, refused our
  bind). The submission stays pending and is retried next cycle. `DirectoryConfigurationError`
  is the variant that a person must fix in the agent's settings (wrong password, auth type, TLS).
"""

from __future__ import annotations

from typing import ClassVar


class UserMappingError(Exception):
    """Base of every user-mapping failure; `transient` says whether a retry may succeed."""

    transient: ClassVar[bool] = False


class UnmappableUserError(UserMappingError):
    """The email has no account to run jobs as: reject the submission."""

    transient = False

    def __init__(self, email: str, where: str, reason: str) -> None:
        self.email = email
        self.where = where
        self.reason = reason
        super().__init__(f"could not map {email} to a Slurm user: {reason} (looked up {where})")


class UserNotFoundError(UnmappableUserError):
    """No entry carries this address (or only disabled ones do)."""


class AmbiguousUserError(UnmappableUserError):
    """Several entries carry this address; which one is meant cannot be guessed."""

    def __init__(self, email: str, where: str, count: int, names: list[str]) -> None:
        self.count = count
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        super().__init__(
            email, where, f"{count} directory entries carry this address ({shown}); keep one"
        )


class DirectoryUnavailableError(UserMappingError):
    """The directory could not be asked; the submission stays pending and is retried."""

    transient = True


class DirectoryConfigurationError(DirectoryUnavailableError):
    """The directory refused the agent itself (bind, auth type, TLS): fix the agent's settings.

    Still transient for a submission (the person did nothing wrong), but worth an error log.
    """
