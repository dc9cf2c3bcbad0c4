"""One adapter per slurmrestd REST version; a version's module is imported only when that
version is negotiated (or asked for), so start-up never pays for the others' models."""

from __future__ import annotations

import importlib

from jobbergate_agent.slurm.adapters.base import Adapter

# Newest first: discovery takes the first one the server serves.
SUPPORTED_VERSIONS: tuple[str, ...] = (
    "v0.0.45",
    "v0.0.44",
    "v0.0.43",
    "v0.0.42",
    "v0.0.41",
    "v0.0.40",
    "v0.0.39",
    "v0.0.38",
)


def get_adapter(version: str) -> Adapter:
    if version not in SUPPORTED_VERSIONS:
        raise KeyError(
            f"REST version {version} is not supported; the agent speaks "
            f"{', '.join(SUPPORTED_VERSIONS)}"
        )
    module = importlib.import_module(f"{__name__}.{version.replace('.', '_')}")
    adapter: Adapter = module.Adapter()
    return adapter


__all__ = ["SUPPORTED_VERSIONS", "Adapter", "get_adapter"]
