"""Email (how Jobbergate knows people) to Slurm username (how the cluster does).

`build_user_mapper(settings)` returns the mapper that SLURM_USER_MAPPER names; the agent awaits
`mapper.username_for(email)` and treats `UnmappableUserError` as "reject the submission" and
`DirectoryUnavailableError` as "keep it pending, retry next cycle".
"""

from jobbergate_agent.user_mapper.base import MappingResult, UserMapper, UserMapperProtocol
from jobbergate_agent.user_mapper.errors import (
    AmbiguousUserError,
    DirectoryConfigurationError,
    DirectoryUnavailableError,
    UnmappableUserError,
    UserMappingError,
    UserNotFoundError,
)
from jobbergate_agent.user_mapper.factory import build_user_mapper
from jobbergate_agent.user_mapper.messages import unknown_slurm_user_message

__all__ = [
    "AmbiguousUserError",
    "DirectoryConfigurationError",
    "DirectoryUnavailableError",
    "MappingResult",
    "UnmappableUserError",
    "UserMapper",
    "UserMapperProtocol",
    "UserMappingError",
    "UserNotFoundError",
    "build_user_mapper",
    "unknown_slurm_user_message",
]
