"""Which Slurm release the mock slurmrestd pretends to be, and how that release answers errors.

The numbers and the HTTP status mapping are those of SLURMRESTD.md §3, checked against the
lab's captures in tests/fixtures/slurmrestd/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# slurm_strerror() texts of the error numbers the mock sends.
ERROR_TEXT = {
    1007: "Protocol authentication error",
    2000: "Invalid partition name specified",
    2002: "Access/permission denied",
    2009: "Job script not specified",
    2019: "I/O error writing script/environment to file",
    2017: "Invalid job id specified",
    2021: "Job/step already completing or completed",
    2063: "Job cannot be submitted without the current working directory specified.",
    2127: "Environment is missing in job",
    9000: "Query empty or not RFC7320 compliant",
    9001: "Failure during parsing",
    9202: "Unable to convert Data type",
}

AUTH_ERROR = 1007
INVALID_PARTITION = 2000
SCRIPT_MISSING = 2009
INVALID_JOB_ID = 2017
ALREADY_DONE = 2021
CWD_MISSING = 2063
ENVIRONMENT_MISSING = 2127
INVALID_QUERY = 9000
FAIL_PARSING = 9001
CONVERSION_FAILED = 9202


@dataclass(frozen=True)
class Profile:
    name: str  # "26.05"
    release: str  # "26.05.5"
    versions: tuple[str, ...]  # /slurm/ versions served, oldest first
    slurmdb_versions: tuple[str, ...]  # /slurmdb/ versions served (accounting)
    bearer: bool  # Authorization: Bearer accepted (23.02+)
    user_header_required: bool  # X-SLURM-USER-NAME must come with the token (<= 22.05)
    ping_checks_token: bool  # 24.11+ answers ping whatever the token
    not_found_text: str

    @property
    def legacy_status(self) -> bool:
        """22.05's mapping: most handler errors are 500, bad queries 400."""
        return self.release < "23"

    def status_for(self, error_number: int) -> int:
        """HTTP status of a response whose first error is `error_number`."""
        if self.legacy_status:
            return 400 if error_number in (INVALID_QUERY, FAIL_PARSING, 9002) else 500
        if error_number == INVALID_QUERY:
            return 422
        if error_number in (FAIL_PARSING, 9002):
            return 400
        if error_number == INVALID_JOB_ID:
            return 404
        if error_number == AUTH_ERROR:
            return 511
        if 1800 <= error_number <= 1803 or error_number == 7000:
            return 502
        return 500


PROFILES: dict[str, Profile] = {
    "22.05": Profile(
        name="22.05",
        release="22.05.8",
        versions=("v0.0.38",),
        slurmdb_versions=(),
        bearer=False,
        user_header_required=True,
        ping_checks_token=True,
        not_found_text="Unable find requested URL. Please view /openapi/v3 for API reference.",
    ),
    "24.11": Profile(
        name="24.11",
        release="24.11.5",
        versions=("v0.0.40", "v0.0.41", "v0.0.42"),
        slurmdb_versions=(),
        bearer=True,
        user_header_required=False,
        ping_checks_token=False,
        not_found_text="Unable find requested URL. Please view /openapi/v3 for API reference.",
    ),
    "26.05": Profile(
        name="26.05",
        release="26.05.5",
        versions=("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"),
        slurmdb_versions=("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"),
        bearer=True,
        user_header_required=False,
        ping_checks_token=False,
        not_found_text=(
            "Unable to find requested URL endpoint. Please query the '/openapi/v3' endpoint or "
            "visit 'https://slurm.schedmd.com/rest_api.html' for the OpenAPI specification "
            "which includes a list of all possible slurmrestd endpoints."
        ),
    ),
}


class SlurmError(Exception):
    """A handler's failure: becomes the endpoint's body with its error items and status.

    By default one item `{description, error_number, error, source}` and the profile's status
    for the number; `items` and `status` override them where a release answers otherwise.
    `bare`: the answer is only {meta, errors, warnings} (a query rejected before the handler)."""

    def __init__(
        self,
        error_number: int,
        description: str,
        source: str,
        *,
        status: int | None = None,
        items: list[dict[str, Any]] | None = None,
        text: str | None = None,
        bare: bool = False,
    ) -> None:
        super().__init__(description)
        self.error_number = error_number
        self.description = description
        self.source = source
        self.status = status
        self.bare = bare  # the answer is the bare envelope, not the endpoint's body
        self.text = text or ERROR_TEXT.get(error_number, "Unspecified error")
        self.items = items or [
            {
                "description": description,
                "error_number": error_number,
                "error": self.text,
                "source": source,
            }
        ]
