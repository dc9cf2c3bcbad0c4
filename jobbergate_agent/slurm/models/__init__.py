"""Pydantic models of slurmrestd's bodies, generated per REST version (tools/generate_models.py).

Only the negotiated version is imported, on demand, so that start-up stays fast:

    models = load_models("v0.0.44")
    body = models.OpenapiJobInfoResp.model_validate(response.json())
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from types import ModuleType

_PACKAGE = "jobbergate_agent.slurm.models.generated"
_VERSION = re.compile(r"^v?0\.0\.(\d+)$")


class ModelsNotGenerated(LookupError):
    """No generated models for a REST version."""


def module_name(version: str) -> str:
    """`v0.0.44` (or `0.0.44`) -> `jobbergate_agent.slurm.models.generated.v0_0_44`."""
    match = _VERSION.match(version.strip())
    if not match:
        raise ModelsNotGenerated(f"{version!r} is not a REST version such as 'v0.0.44'")
    return f"{_PACKAGE}.v0_0_{match.group(1)}"


def has_models(version: str) -> bool:
    try:
        return importlib.util.find_spec(module_name(version)) is not None
    except ModelsNotGenerated:
        return False


def load_models(version: str) -> ModuleType:
    """The generated module of one REST version (imported once, then cached by Python)."""
    name = module_name(version)
    if importlib.util.find_spec(name) is None:
        raise ModelsNotGenerated(
            f"no generated models for REST {version}: generate them with `make models` from a "
            "slurmrestd OpenAPI document in openapi/, or pin a version that has them"
        )
    return importlib.import_module(name)


def available_versions() -> list[str]:
    """REST versions that have generated models, oldest first."""
    package = importlib.import_module(_PACKAGE)
    numbers = {
        int(match.group(1))
        for folder in package.__path__
        for entry in Path(folder).iterdir()
        if (match := re.match(r"^v0_0_(\d+)\.py$", entry.name))
    }
    return [f"v0.0.{number}" for number in sorted(numbers)]
