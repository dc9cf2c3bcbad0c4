"""`ldap-cached-mapper`: LDAP / Active Directory lookups behind a SQLite cache."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from loguru import logger

from jobbergate_agent.settings import Settings
from jobbergate_agent.user_mapper.base import MappingResult, UserMapper
from jobbergate_agent.user_mapper.cache import UserCache, cache_path, normalize_email
from jobbergate_agent.user_mapper.directory import LDAPDirectory
from jobbergate_agent.user_mapper.errors import UnmappableUserError
from jobbergate_agent.user_mapper.ldap_config import LDAPConfig


class LDAPCachedMapper(UserMapper):
    name = "ldap-cached-mapper"

    def __init__(
        self,
        settings: Settings,
        *,
        directory: LDAPDirectory | None = None,
        cache: UserCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = LDAPConfig.from_settings(settings)  # ConfigurationError on bad settings
        self.directory = directory or LDAPDirectory(self.config)
        self.cache = cache or UserCache(
            cache_path(settings.CACHE_DIR),
            ttl_seconds=settings.LDAP_CACHE_TTL_SECONDS,
            negative_ttl_seconds=settings.LDAP_NEGATIVE_CACHE_TTL_SECONDS,
        )
        self._clock = clock
        # Misses go to the directory one at a time (its connection is serial anyway); after
        # waiting, a caller finds in the cache what the one before it just looked up.
        self._miss_lock = asyncio.Lock()

    async def username_for(self, email: str) -> str:
        return (await self.lookup(email)).username

    async def lookup(self, email: str, *, use_cache: bool = True) -> MappingResult:
        address = normalize_email(email)
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise UnmappableUserError(
                email or "(empty)", self.directory.where, "this is not an email address"
            )
        if use_cache and (cached := await self._from_cache(address)):
            return cached
        async with self._miss_lock:
            if use_cache and (cached := await self._from_cache(address)):
                return cached
            return await self._from_directory(address)

    async def _from_cache(self, address: str) -> MappingResult | None:
        entry = await asyncio.to_thread(self.cache.get, address)
        if entry is None or not entry.fresh(self._clock()):
            return None
        if entry.username is None:
            raise UnmappableUserError(
                address,
                f"{entry.looked_up} (cached answer; `jg-run users forget {address}` to ask again)",
                entry.reason or "no account",
            )
        return MappingResult(address, entry.username, "cache", entry.looked_up)

    async def _from_directory(self, address: str) -> MappingResult:
        looked_up = self.directory.where_for(address)
        try:
            found = await self.directory.find(address)
        except UnmappableUserError as error:
            # Remember "no such person" briefly, so a burst of submissions asks once.
            await asyncio.to_thread(
                self.cache.put_miss, address, error.reason, error.where, self._clock()
            )
            raise
        await asyncio.to_thread(
            self.cache.put_hit, address, found.username, looked_up, self._clock()
        )
        logger.debug("mapped {} to {} ({})", address, found.username, found.dn)
        return MappingResult(address, found.username, "directory", f"{found.dn} {looked_up}")

    async def aclose(self) -> None:
        await self.directory.aclose()
        await asyncio.to_thread(self.cache.close)
