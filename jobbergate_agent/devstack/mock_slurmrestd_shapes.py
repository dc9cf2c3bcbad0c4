"""Response bodies of the mock slurmrestd, per REST version, as the lab's real servers send them
(tests/fixtures/slurmrestd): envelopes, errors, and every endpoint's body. Job records are in
mock_slurmrestd_records.

- v0.0.38: `meta.Slurm.version` ints, no `warnings`, a rejected token is -1 "Unspecified error";
- v0.0.40/41 submit answers carry `result`; v0.0.42+ cancel answers carry `status` (also for
  an unknown or finished job, with HTTP 200); v0.0.42+ ping adds `responding`/`primary`,
  v0.0.45 drops `pinged`/`mode` for `status`.
"""

from __future__ import annotations

import time
from typing import Any

from jobbergate_agent.devstack.mock_slurmrestd_jobs import MockJob
from jobbergate_agent.devstack.mock_slurmrestd_profiles import AUTH_ERROR, Profile, SlurmError
from jobbergate_agent.devstack.mock_slurmrestd_records import NODE, Records, no_val
from jobbergate_agent.slurm.models import load_models

# v0.0.38 turns a rejected token into -1 "Unspecified error" with the failed call's words.
_V38_AUTH = {
    "_ping": ("slurmctld config is unable to load", "slurm_load_ctl_conf"),
    "_jobs": ("Failed while looking for jobs", "slurm_load_jobs"),
    "_job": ("Failed while looking for job", "slurm_load_job"),
    "_cancel": ("unable to kill job", "slurm_kill_job"),
    "_submit": ("Batch job submission failed", "slurm_submit_batch_job"),
}


class Shapes:
    def __init__(self, version: str, profile: Profile, cluster: str, user: str) -> None:
        self.version = version
        self.n = int(version.rsplit(".", 1)[1])
        self.profile = profile
        self.cluster = cluster
        self.user = user
        self.records = Records(version, profile, cluster, load_models(version))

    # --- envelopes ------------------------------------------------------------------------

    def meta(self, plugin: str = "slurmctld") -> dict[str, Any]:
        major, minor, micro = self.profile.release.split(".")
        if self.n <= 38:
            return {
                "plugin": {
                    "type": f"openapi/{self.version}",
                    "name": f"Slurm OpenAPI {self.version}",
                },
                "Slurm": {
                    "version": {"major": int(major), "micro": int(micro), "minor": int(minor)},
                    "release": self.profile.release,
                },
            }
        accounting = "accounting_storage/slurmdbd" if self.profile.slurmdb_versions else ""
        return {
            "plugin": {
                "type": f"openapi/{plugin}",
                "name": f"Slurm OpenAPI {plugin}",
                "data_parser": f"data_parser/{self.version}",
                "accounting_storage": accounting,
            },
            "client": {"source": "127.0.0.1:6820(fd:9)", "user": self.user, "group": self.user},
            "command": [],
            "slurm": {
                "version": {"major": major, "micro": micro, "minor": minor},
                "release": self.profile.release,
                "cluster": self.cluster,
            },
        }

    def envelope(
        self,
        errors: list[Any] | None = None,
        warnings: list[Any] | None = None,
        plugin: str = "slurmctld",
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"meta": self.meta(plugin), "errors": list(errors or [])}
        if self.n >= 40:
            body["warnings"] = list(warnings or [])
        return body

    def failure(self, exc: SlurmError, handler: str) -> tuple[int, dict[str, Any]]:
        """The endpoint's body carrying the error, and the HTTP status."""
        items = exc.items
        status = exc.status or self.profile.status_for(exc.error_number)
        if self.n <= 38 and exc.error_number == AUTH_ERROR:
            description, source = _V38_AUTH.get(handler, ("Unspecified error", "slurm"))
            items = [
                {
                    "description": description,
                    "error_number": -1,
                    "error": "Unspecified error",
                    "source": source,
                }
            ]
            status = 500
        if exc.bare:
            return status, self.envelope(items)
        if handler in ("_job", "_jobs"):
            return status, self.job_info_response([], errors=items, failed=True)
        if handler == "_job_states":
            return status, {"jobs": [], **self.envelope(items)}
        if handler in ("_db_job", "_db_jobs"):
            return status, {"jobs": [], **self.envelope(items, plugin="slurmdbd")}
        return status, self.envelope(items)

    # --- bodies ---------------------------------------------------------------------------

    def ping(self, token_ok: bool = True) -> dict[str, Any]:
        if self.n <= 38:
            pings = [{"hostname": NODE, "ping": "UP", "status": 0, "mode": "primary"}]
            return {**self.envelope(), "pings": pings}
        entry: dict[str, Any] = {
            "hostname": NODE,
            "pinged": "UP" if token_ok else "DOWN",
            "latency": 600 if token_ok else 11000,
            "mode": "primary",
        }
        if self.n >= 45:  # `pinged` and `mode` are gone; `status` says why it is not responding
            entry = {
                "hostname": NODE,
                "responding": token_ok,
                "latency": entry["latency"],
                "primary": True,
                "status": "No error" if token_ok else "Protocol authentication error",
            }
        elif self.n >= 42:
            entry = {
                "hostname": NODE,
                "pinged": entry["pinged"],
                "responding": token_ok,
                "latency": entry["latency"],
                "mode": "primary",
                "primary": True,
            }
        return {"pings": [entry], **self.envelope()}

    def submit_response(
        self, job: MockJob, warnings: list[Any], errors: list[Any]
    ) -> dict[str, Any]:
        if self.n <= 38:
            return {
                **self.envelope(errors),
                "job_id": job.job_id,
                "step_id": "BATCH",
                "job_submit_user_msg": "",
            }
        body: dict[str, Any] = {}
        if self.n <= 41:
            held = job.spec.hold
            body["result"] = {
                "job_id": job.job_id,
                "step_id": "batch",
                "error_code": 2042 if held else 0,
                "error": "Job is in held state, pending scheduler release" if held else "No error",
                "job_submit_user_msg": "",
            }
        body.update({"job_id": job.job_id, "step_id": "batch", "job_submit_user_msg": ""})
        return {**body, **self.envelope(errors, warnings)}

    def job_info_response(
        self,
        views: list[dict[str, Any]],
        *,
        errors: list[Any] | None = None,
        warnings: list[Any] | None = None,
        failed: bool = False,
    ) -> dict[str, Any]:
        jobs = [self.records.job(view) for view in views]
        if self.n <= 38:
            return {**self.envelope(errors), "jobs": jobs}
        now = 0 if failed else int(max((v["job"].last_changed for v in views), default=0))
        return {
            "jobs": jobs,
            "last_backfill": no_val(0 if failed else now),
            "last_update": no_val(now),
            **self.envelope(errors, warnings),
        }

    def no_change_warning(self, since: int) -> dict[str, Any]:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since))
        return {
            "description": f"No job changes since update_time[{since}]={stamp}",
            "source": "op_handler_jobs",
        }

    def job_state_response(self, jobs: list[MockJob]) -> dict[str, Any]:
        return {
            "jobs": [{"job_id": str(job.job_id), "state": [job.state]} for job in jobs],
            **self.envelope(),
        }

    def cancel_response(self, job_id: int, outcome: str) -> dict[str, Any]:
        """outcome: 'cancelled', 'already_done' or 'unknown' (v0.0.40+ answer 200 for both)."""
        if self.n <= 41:
            return self.envelope()
        status = []
        if outcome != "cancelled":
            code = 2021 if outcome == "already_done" else 2017
            text = (
                "Job/step already completing or completed"
                if code == 2021
                else "Invalid job id specified"
            )
            status.append(
                {
                    "error": {"string": text, "code": code, "message": text},
                    "step_id": str(job_id),
                    "job_id": no_val(job_id if outcome == "already_done" else None),
                    "federation": {"sibling": ""},
                }
            )
        return {"status": status, **self.envelope()}

    def slurmdb_jobs_response(self, views: list[dict[str, Any]]) -> dict[str, Any]:
        warnings = (
            []
            if views
            else [{"description": "slurmdb_jobs_get() found nothing", "source": "_dump_jobs"}]
        )
        return {
            "jobs": [self.records.slurmdb(view) for view in views],
            **self.envelope(None, warnings, plugin="slurmdbd"),
        }

    # --- records --------------------------------------------------------------------------
