"""Choose and build the user mapper named by SLURM_USER_MAPPER.

Mappers are found in the entry-point group `jobbergate_agent.user_mapper`; each entry point is
a callable that takes the agent's `Settings` and returns a mapper (a class is such a callable).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

from jobbergate_agent.settings import ENV_PREFIX, ConfigurationError, Settings
from jobbergate_agent.user_mapper.base import UserMapper, UserMapperProtocol

ENTRY_POINT_GROUP = "jobbergate_agent.user_mapper"
DEFAULT_MAPPER = "single-user-mapper"
# The built-in mappers, for a source tree run without the package's metadata installed.
BUILT_IN = {
    "single-user-mapper": "jobbergate_agent.user_mapper.single_user:SingleUserMapper",
    "ldap-cached-mapper": "jobbergate_agent.user_mapper.ldap:LDAPCachedMapper",
}


def available_mappers() -> dict[str, EntryPoint]:
    found = {
        name: EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)
        for name, value in BUILT_IN.items()
    }
    found.update({ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)})
    return found


def build_user_mapper(settings: Settings) -> UserMapper:
    """The configured mapper, ready to use; ConfigurationError names the setting at fault."""
    name = (settings.SLURM_USER_MAPPER or DEFAULT_MAPPER).strip()
    mappers = available_mappers()
    entry_point = mappers.get(name)
    if entry_point is None:
        raise ConfigurationError(
            f"{ENV_PREFIX}SLURM_USER_MAPPER: no user mapper named {name!r}; "
            f"installed: {', '.join(sorted(mappers))}"
        )
    try:
        factory = cast(Callable[[Settings], Any], entry_point.load())
    except Exception as error:
        raise ConfigurationError(
            f"{ENV_PREFIX}SLURM_USER_MAPPER: the user mapper {name!r} ({entry_point.value}) "
            f"cannot be loaded: {type(error).__name__}: {error}"
        ) from None
    mapper = factory(settings)
    if not isinstance(mapper, UserMapperProtocol):
        raise ConfigurationError(
            f"{ENV_PREFIX}SLURM_USER_MAPPER: {entry_point.value} returned "
            f"{type(mapper).__name__}, which lacks `async username_for(email)` and `aclose()`"
        )
    return cast(UserMapper, mapper)
