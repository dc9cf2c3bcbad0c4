"""The job's environment, built on purpose (docs/environment.md has the rules).

slurmrestd forwards no environment and Slurm refuses a job without one, and the agent is not
on the user's login host, so "the submission environment" of sbatch is replaced by a
configured base (JOB_BASE_ENVIRONMENT) plus HOME, USER and LOGNAME of the mapped user. The
agent's own environment never goes into a job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from jobbergate_agent.slurm.sbatch.errors import Occurrence, TranslationError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def identity(username: str, home: str) -> dict[str, str]:
    return {"HOME": home, "USER": username, "LOGNAME": username}


def build_environment(
    base: Mapping[str, str],
    username: str,
    home: str,
    export: str | None,
    export_occ: Occurrence | None,
    get_user_env: bool,
) -> dict[str, str]:
    """sbatch's rules for --export and --get-user-env, with the base standing in for the
    environment of the submitting shell."""
    submission = {**dict(base), **identity(username, home)}
    if export is None:
        env = dict(submission)
        load_login_env = get_user_env
    else:
        assert export_occ is not None
        env, load_login_env = _export(export, export_occ, submission, get_user_env)
        # sbatch exports its --export value to the job, so srun inside honours it too.
        env["SLURM_EXPORT_ENV"] = export
    if load_login_env:
        # What sbatch sends so that slurmd loads the user's login environment on the node.
        env["SLURM_GET_USER_ENV"] = "1"
    return env


def _export(
    spec: str, occ: Occurrence, submission: dict[str, str], get_user_env: bool
) -> tuple[dict[str, str], bool]:
    items = [item.strip() for item in spec.split(",")]
    if items == ["NONE"] or items == ["none"]:
        # Only SLURM_* variables (the agent has none) and the user's login environment.
        return {}, True
    keep_all = bool(items) and items[0].upper() == "ALL"
    if keep_all:
        items = items[1:]
    explicit: dict[str, str] = {}
    for item in items:
        if not item:
            continue
        if item.upper() == "NONE":
            raise occ.cannot_use(
                "NONE cannot be combined with other variables; use "
                "--export=NONE alone, or list the variables to set"
            )
        name, has_value, value = item.partition("=")
        if not _NAME.fullmatch(name):
            raise occ.invalid(
                f"'{name}' is not a variable name; use ALL, NONE, or VAR or "
                "VAR=value items separated by commas"
            )
        if has_value:
            explicit[name] = value
        elif name in submission:
            explicit[name] = submission[name]
        else:
            raise TranslationError(
                f"{occ.text} {occ.origin.where} asks to pass {name} from the submitting "
                f"environment, but the agent's job environment has no {name} (it is not "
                f"your login shell); give it a value, e.g. --export={name}=VALUE",
                option=occ.text,
                origin=str(occ.origin),
            )
    if keep_all:
        # With ALL, the submission environment wins over explicit values, as in sbatch.
        return {**explicit, **submission}, get_user_env
    # An explicit list: only those variables, and slurmd loads the login environment.
    return explicit, True
