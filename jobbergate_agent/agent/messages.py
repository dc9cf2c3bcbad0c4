"""The words a person reads: reject messages and the reasons reported with a job state.

A reject message is shown to the submission's owner (and mailed by the API). Each says what
failed, where, and what to do, in one or two lines; none carries a traceback or a secret.
"""

from __future__ import annotations

from jobbergate_agent.slurm.errors import SlurmError, SlurmRejected

MAX_MESSAGE_CHARS = 1000

# Slurm error numbers (slurm_errno.h) a user can fix, with what to do about each.
_SLURM_HINTS = {
    2000: "choose a partition that exists on this cluster (--partition)",
    2002: "the job asks for a partition, account or QOS its user may not use; pick one they may",
    2009: "the batch script is empty; upload a script with commands in it",
    2045: "use an account the user belongs to (--account)",
    2051: "lower the time limit (--time) to what the partition allows",
    2063: "make sure the working directory exists on the compute nodes and the user can write "
    "to it (execution directory)",
    2066: "use a QOS the user may use (--qos)",
    2127: "the job has no environment; this is an agent setting (JOB_BASE_ENVIRONMENT), tell "
    "the cluster administrators",
}
# Slurm says these when the user does not exist on the cluster: 2010 user id missing, 6010
# "Rejecting authentication of user nobody" (an unresolvable name becomes nobody, 25.05.8+).
UNKNOWN_USER_ERRORS = frozenset({2010, 6010})


def clamp(message: str) -> str:
    """At most two lines and MAX_MESSAGE_CHARS characters."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    text = "\n".join(lines[:2])
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def no_entrypoint(job_script_id: int, job_script_name: str) -> str:
    return clamp(
        f"Job script {job_script_id} ({job_script_name}) has no ENTRYPOINT file, so there is no "
        "batch script to submit; mark one of its files as the entrypoint and submit again."
    )


def missing_file(filename: str, job_script_id: int) -> str:
    return clamp(
        f"File {filename} of job script {job_script_id} could not be downloaded: the API says it "
        "does not exist; upload it to the job script again and resubmit."
    )


def unmappable(email: str, detail: str) -> str:
    return clamp(
        f"No cluster account could be found for {email}: {detail}.\n"
        "Ask the cluster administrators to create an account for this email or to fix its "
        "directory entry, then submit again."
    )


def unknown_slurm_user(email: str, username: str, detail: str | None = None) -> str:
    said = f" (Slurm said: {detail})" if detail else ""
    return clamp(
        f"The email {email} mapped to username {username}, and {username} does not exist on the "
        f"cluster{said}.\n"
        "Ask the cluster administrators to create the account or to fix the user mapping."
    )


def translation_failed(entrypoint_name: str, detail: str) -> str:
    return clamp(
        f"The batch script {entrypoint_name} could not be turned into a Slurm job: {detail}"
    )


def unsupported_fields(detail: str) -> str:
    return clamp(f"The job cannot be submitted: {detail}")


def slurm_words(error: SlurmError) -> str:
    """Slurm's own description and error number(s), or the error's message."""
    texts = [item.text() for item in error.errors]
    return "; ".join(texts) if texts else error.message


def slurm_rejected(error: SlurmRejected, *, username: str, directory: str | None) -> str:
    hint = _SLURM_HINTS.get(error.error_number or 0)
    if hint and error.error_number == 2063 and directory:
        hint = (
            f"make sure {directory} exists on the compute nodes and {username} can write to "
            "it, or choose another execution directory"
        )
    first = f"Slurm refused the job submitted as {username}: {slurm_words(error)}."
    second = (
        f"To fix it, {hint}, then submit again."
        if hint
        else "Fix the sbatch options or #SBATCH lines it names, then submit again."
    )
    return clamp(f"{first}\n{second}")


# --- reasons reported with a state (shown as the submission's report message) ----------------

CANCELLED_BEFORE_SLURM = "cancelled by the user before it reached Slurm"


def unknown_job_reason(job_id: int, *, has_accounting: bool) -> str:
    if has_accounting:
        return (
            f"neither slurmctld nor the accounting database (slurmdbd) knows job {job_id}, "
            "so its final state cannot be known"
        )
    return (
        f"slurmctld no longer knows job {job_id} and this cluster has no accounting "
        "(slurmdbd), so its final state cannot be known"
    )
