"""POST /slurm/vX/job/submit as the real servers check it (lab captures in
tests/fixtures/slurmrestd/<release>/<version>/submit-*.json).

The body is first validated with the version's generated model (types only: the models are
lenient), then against what slurmrestd and slurmctld really require:

- v0.0.38: top-level `script` (missing: 2009 "Job script not specified"); `job.environment` a
  dict; an unknown key in `job` (including `script`) fails the request with
  `Unknown key "x"` and 9001, HTTP 400.
- v0.0.40+: exactly one of `job`/`jobs` (9000, 422); a script at top level or in the job
  (9000 "Populated \"script\" field is required ...", an empty one 2009); unknown fields are
  ignored with a warning; `current_working_directory` (2063) and a non-empty `environment`
  (2127, or 2019 on 24.11) are required by slurmctld.
- an unknown partition is 2000 everywhere.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from jobbergate_agent.devstack.mock_slurmrestd_jobs import JobSpec
from jobbergate_agent.devstack.mock_slurmrestd_profiles import (
    CONVERSION_FAILED,
    CWD_MISSING,
    ENVIRONMENT_MISSING,
    FAIL_PARSING,
    INVALID_PARTITION,
    INVALID_QUERY,
    SCRIPT_MISSING,
    Profile,
    SlurmError,
)
from jobbergate_agent.slurm.models import load_models

_SUBMIT = "slurm_submit_batch_job()"
_JSON_TYPE_NAMES = {
    bool: "boolean",
    int: "64 bit integer",
    float: "64 bit floating point number",
    str: "string",
    list: "list",
    dict: "dictionary",
    type(None): "null",
}


def field_names(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def read_submission(
    version: str, body: Any, user: str, partitions: tuple[str, ...], profile: Profile
) -> tuple[JobSpec, list[dict[str, Any]], list[dict[str, Any]]]:
    """(what to run, warnings, non-fatal errors) or SlurmError."""
    if int(version.rsplit(".", 1)[1]) <= 38:
        return _read_v38(version, body, user, partitions)
    return _read_v40(version, body, user, partitions, profile)


def _v38_error(status: int, *items: dict[str, Any]) -> SlurmError:
    first = items[0]
    number = first.get("error_code", first.get("error_number", -1))
    return SlurmError(number, str(first.get("error", "")), "", status=status, items=list(items))


def _read_v38(version: str, body: Any, user: str, partitions: tuple[str, ...]) -> Any:
    models = load_models(version)
    parse_failure = {"error_code": FAIL_PARSING, "error": "Failure during parsing"}
    if not isinstance(body, dict):
        raise _v38_error(400, parse_failure)
    job = body.get("job")
    if not isinstance(job, dict):
        jobs = body.get("jobs")
        job = jobs[0] if isinstance(jobs, list) and jobs and isinstance(jobs[0], dict) else {}
    known = field_names(models.JobProperties)
    for key in job:
        if key not in known:
            raise _v38_error(
                400, {"description": f'Unknown key "{key}"', "source": "hsearch_r"}, parse_failure
            )
    environment = job.get("environment")
    if environment is not None and not isinstance(environment, dict):
        raise _v38_error(
            400,
            {"error": "environment must be a dictionary", "error_code": -1},
            {
                "description": 'Unable to process key "environment"',
                "error_number": -1,
                "error": "Unspecified error",
                "source": "slurm_process_option_data",
            },
            parse_failure,
        )
    try:
        models.JobSubmission.model_validate(body)
    except ValidationError as exc:
        where = ".".join(str(part) for part in exc.errors()[0]["loc"])
        raise _v38_error(
            400,
            {
                "description": f'Unable to process key "{where}"',
                "error_number": -1,
                "error": "Unspecified error",
                "source": "slurm_process_option_data",
            },
            parse_failure,
        ) from exc
    script = body.get("script")
    if not isinstance(script, str) or not script:
        raise _v38_error(500, {"error_code": SCRIPT_MISSING, "error": "Job script not specified"})
    partition = job.get("partition")
    if partition is not None and partition not in partitions:
        raise _v38_error(
            500, {"error_code": INVALID_PARTITION, "error": "Invalid partition name specified"}
        )
    spec = _spec(
        user,
        script,
        {str(k): str(v) for k, v in (environment or {}).items()},
        job,
        job.get("current_working_directory") or "/",
    )
    errors = []
    if spec.hold:
        errors.append(
            {"error_code": 2042, "error": "Job is in held state, pending scheduler release"}
        )
    return spec, [], errors


def _read_v40(
    version: str, body: Any, user: str, partitions: tuple[str, ...], profile: Profile
) -> Any:
    models = load_models(version)
    if not isinstance(body, dict):
        raise SlurmError(INVALID_QUERY, 'Populated "job" field is required', "_job_post")
    if body.get("job") is not None and body.get("jobs") is not None:
        raise SlurmError(
            INVALID_QUERY, 'Specify only one "job" or "jobs" fields but never both', "_job_post"
        )
    try:
        models.JobSubmitReq.model_validate(body)
    except ValidationError as exc:
        loc = "/".join(str(part) for part in exc.errors()[0]["loc"])
        raise SlurmError(
            CONVERSION_FAILED, f"Parsing of #/{loc}/ failed", f"#/{loc}/", status=400
        ) from exc
    job = body.get("job")
    if job is None:
        jobs = body.get("jobs")
        job = jobs[0] if isinstance(jobs, list) and jobs else None
    if not isinstance(job, dict):
        raise SlurmError(INVALID_QUERY, 'Populated "job" field is required', "_job_post")
    warnings = [
        {
            "description": f'Ignoring unknown field "{key}" of type '
            f"{_JSON_TYPE_NAMES.get(type(value), 'unknown')} in DATA_PARSER_JOB_DESC_MSG",
            "source": f"#/job/{key}/",
        }
        for key, value in job.items()
        if key not in field_names(models.JobDescMsg)
    ]
    script = body.get("script") if body.get("script") is not None else job.get("script")
    if script is None:
        raise SlurmError(
            INVALID_QUERY, 'Populated "script" field is required for job submission', "_job_post"
        )
    submit_status = 422 if profile.release >= "25" else 500
    if not script:
        raise SlurmError(
            SCRIPT_MISSING,
            "Batch job script empty or missing",
            "script",
            status=submit_status,
            text="Job script not specified",
        )
    environment = _environment(job.get("environment"))
    if not environment:
        number = ENVIRONMENT_MISSING if profile.release >= "25" else 2019
        raise SlurmError(number, "Batch job submission failed", _SUBMIT, status=submit_status)
    cwd = job.get("current_working_directory")
    if not cwd:
        raise SlurmError(CWD_MISSING, "Batch job submission failed", _SUBMIT, status=submit_status)
    partition = job.get("partition")
    if partition is not None and partition not in partitions:
        raise SlurmError(
            INVALID_PARTITION, "Batch job submission failed", _SUBMIT, status=submit_status
        )
    spec = _spec(user, script, environment, job, cwd)
    if spec.hold:
        held = "Job is in held state, pending scheduler release"
        warnings += [
            {
                "description": f"Job submission resulted in non-zero return code: {held}",
                "source": _SUBMIT,
            },
            {"description": held, "source": _SUBMIT},
        ]
    return spec, warnings, []


def _environment(value: Any) -> dict[str, str]:
    """`["K=V", ...]` (or a dict, which slurmrestd also takes) as a dict."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    env: dict[str, str] = {}
    for entry in value or []:
        name, _, rest = str(entry).partition("=")
        env[name] = rest
    return env


def _number(value: Any) -> int | None:
    """A plain int, a numeric string or a NO_VAL dict (only when `set`)."""
    if isinstance(value, dict):
        return int(value["number"]) if value.get("set") and not value.get("infinite") else None
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _spec(
    user: str, script: str, environment: dict[str, str], job: dict[str, Any], cwd: str
) -> JobSpec:
    return JobSpec(
        user=user,
        script=script,
        environment=environment,
        current_working_directory=cwd,
        name=job.get("name"),
        partition=job.get("partition"),
        account=job.get("account"),
        comment=job.get("comment"),
        standard_output=job.get("standard_output"),
        standard_error=job.get("standard_error"),
        standard_input=job.get("standard_input"),
        time_limit=_number(job.get("time_limit")),
        hold=bool(job.get("hold")),
        fields=dict(job),
    )
