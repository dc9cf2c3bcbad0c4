"""Build the slurmrestd client that the settings describe."""

from __future__ import annotations

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.client import SlurmClient


def build_slurm_client(settings: Settings) -> SlurmClient:
    """A client for BASE_SLURMRESTD_URL with the token provider SLURMRESTD_AUTH_MODE names.
    Raises ConfigurationError for settings that cannot work (missing key, unsafe key file)."""
    raise NotImplementedError
