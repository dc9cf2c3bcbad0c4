"""Wording for failures that are found after mapping, when Slurm sees the username."""

from __future__ import annotations


def unknown_slurm_user_message(email: str, username: str, cluster: str | None = None) -> str:
    """The rejection text when slurmrestd says the mapped user does not exist.

    The mapping itself worked, so the fix is on the cluster (create the account) or in the
    directory (correct the entry that carries this address); the message says both.
    """
    where = f"the cluster {cluster}" if cluster else "the cluster"
    return (
        f"the email {email} mapped to username {username}, and {username} does not exist on "
        f"{where}; create the account {username} there, or correct the directory entry that "
        f"carries {email}"
    )
