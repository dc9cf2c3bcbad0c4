"""`single-user-mapper`: every job runs as one account (the default mapper)."""

from __future__ import annotations

import re

from jobbergate_agent.settings import ENV_PREFIX, ConfigurationError, Settings
from jobbergate_agent.user_mapper.base import MappingResult, UserMapper

# POSIX portable user names, plus what Slurm sites commonly allow (dots, @ for AD realms).
_USERNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}\$?")


class SingleUserMapper(UserMapper):
    name = "single-user-mapper"

    def __init__(self, settings: Settings) -> None:
        username = (settings.single_user_submitter or "").strip()
        setting = "SINGLE_USER_SUBMITTER" if settings.SINGLE_USER_SUBMITTER else "X_SLURM_USER_NAME"
        if not username:
            raise ConfigurationError(
                f"{ENV_PREFIX}{setting}: the single-user mapper needs a username to run every "
                "job as"
            )
        if not _USERNAME.fullmatch(username):
            raise ConfigurationError(
                f"{ENV_PREFIX}{setting}: {username!r} is not a valid Slurm username"
            )
        self.username = username
        self._setting = setting

    async def username_for(self, email: str) -> str:
        return self.username

    async def lookup(self, email: str) -> MappingResult:
        return MappingResult(
            email=email,
            username=self.username,
            source=self.name,
            detail=f"everyone maps to {self.username} ({ENV_PREFIX}{self._setting})",
        )
