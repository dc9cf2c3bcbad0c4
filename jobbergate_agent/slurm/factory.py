"""Build the slurmrestd client that the settings describe."""

from __future__ import annotations

import httpx

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.client import SlurmClient
from jobbergate_agent.slurm.tokens import build_token_provider
from jobbergate_agent.slurm.transport import Transport


def build_slurm_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> SlurmClient:
    """A client for BASE_SLURMRESTD_URL with the token provider SLURMRESTD_AUTH_MODE names.
    Raises ConfigurationError for settings that cannot work (missing key, unsafe key file).
    `transport` lets tests put an in-process server (httpx.ASGITransport) underneath."""
    tokens = build_token_provider(settings)
    http = Transport(
        settings.BASE_SLURMRESTD_URL,
        timeout=settings.SLURMRESTD_TIMEOUT,
        verify=settings.SLURMRESTD_VERIFY_TLS,
        ca_bundle=str(settings.SLURMRESTD_CA_BUNDLE) if settings.SLURMRESTD_CA_BUNDLE else None,
        max_retries=settings.SLURMRESTD_MAX_RETRIES,
        transport=transport,
    )
    return SlurmClient(
        http, tokens, version=settings.SLURM_RESTD_VERSION, probe_user=settings.X_SLURM_USER_NAME
    )
