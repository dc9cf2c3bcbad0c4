"""One exception class per way a conversation with the Jobbergate API can fail.

`transient` tells the agent loop whether the same call may succeed later (API down, timeout,
5xx) or whether retrying cannot help without a change (bad credentials, a rejected request).
Messages name the method, the path, the status and the API's own `detail`.
"""

from __future__ import annotations


class JobbergateError(Exception):
    """Base of every Jobbergate API failure."""

    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.detail = detail


class JobbergateAuthError(JobbergateError):
    """No token could be obtained, or the API refused a fresh one (401 twice)."""


class JobbergateUnavailable(JobbergateError):
    """The API or the OIDC server could not be reached, timed out, or answered 5xx."""

    transient = True


class JobbergateBadRequest(JobbergateError):
    """400: the request does not apply, e.g. the submission is not in the expected status."""


class JobbergateForbidden(JobbergateError):
    """403: a missing permission, or a submission that belongs to another cluster."""


class JobbergateNotFound(JobbergateError):
    """404: the submission (or file) no longer exists."""


class JobbergateConflict(JobbergateError):
    """409: the reported slurm_job_id differs from the one the API stored."""


class JobbergateValidationError(JobbergateError):
    """422: the API rejected the body or parameters (e.g. a slurm_job_state outside its enum)."""


class JobbergateInvalidResponse(JobbergateError):
    """The API answered with a body the agent cannot parse."""


# status -> class, for statuses that have their own class
STATUS_ERRORS: dict[int, type[JobbergateError]] = {
    400: JobbergateBadRequest,
    403: JobbergateForbidden,
    404: JobbergateNotFound,
    409: JobbergateConflict,
    422: JobbergateValidationError,
}
