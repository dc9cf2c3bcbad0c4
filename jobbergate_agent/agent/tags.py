"""The tag each Slurm job carries in its `comment`, naming the submission it was made for.

Form: `jobbergate:<OIDC_CLIENT_ID>:<submission id>`, then, when the user asked for a comment
(`--comment` or `#SBATCH --comment`), one space and theirs: `jobbergate:site-a:17 nightly run`.
The tag comes first so that one prefix search (`find_jobs_by_comment`) finds every job of this
cluster's agent, and the client id is in it so that two agents sharing a Slurm cluster never
take each other's jobs.
"""

from __future__ import annotations

import re

TAG_PREFIX = "jobbergate"


def cluster_prefix(client_id: str) -> str:
    """The prefix every comment tag of this agent starts with."""
    return f"{TAG_PREFIX}:{client_id}:"


def submission_tag(client_id: str, submission_id: int) -> str:
    return f"{cluster_prefix(client_id)}{submission_id}"


def tagged_comment(client_id: str, submission_id: int, user_comment: str | None) -> str:
    """The comment the job is submitted with: the tag, then the user's own comment if any."""
    tag = submission_tag(client_id, submission_id)
    user_comment = (user_comment or "").strip()
    return f"{tag} {user_comment}" if user_comment else tag


def submission_id_from_comment(client_id: str, comment: str | None) -> int | None:
    """The submission id of a comment this agent wrote, or None for any other comment."""
    if not comment:
        return None
    match = re.match(re.escape(cluster_prefix(client_id)) + r"(\d+)(?:\s|$)", comment)
    return int(match.group(1)) if match else None
