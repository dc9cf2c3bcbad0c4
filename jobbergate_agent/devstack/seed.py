"""A handful of varied submissions for the mock Jobbergate API (`make run`, end-to-end tests).

Each one exercises a different path of the agent: a plain job, support files (one in a
subdirectory, one binary), sbatch arguments with an execution directory, a script that must be
rejected, one the user cancels before it reaches Slurm, and one that exits non-zero.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobbergate_agent.devstack.mock_jobbergate import MockJobbergate

# Every byte value, NUL and invalid UTF-8 included: it must reach the job unchanged.
BINARY_CONTENT = bytes(range(256)) * 4

HELLO = """\
#!/bin/bash
#SBATCH --job-name=hello
#SBATCH --ntasks=1
#SBATCH --time=00:05:00
echo "hello from $(hostname) as $(whoami) in $(pwd)"
sleep 2
"""

SUPPORT_FILES = """\
#!/bin/bash
#SBATCH --job-name=support-files
#SBATCH --time=5
set -euo pipefail
cat input.txt
test "$(cat data/params.json)" = '{{"alpha": 0.5, "steps": 10}}'
# the binary file must arrive byte for byte
echo "{digest}  blob.bin" | sha256sum -c -
echo "support files OK"
"""

SWEEP = """\
#!/bin/bash
#SBATCH --ntasks=1
echo "sweep step in $(pwd) with SLURM_JOB_NAME=$SLURM_JOB_NAME"
"""

# --wait makes sbatch block until the job ends: meaningless for a REST submission.
MUST_REJECT = """\
#!/bin/bash
#SBATCH --job-name=waits
#SBATCH --wait
echo "this script must be rejected"
"""

CANCELLED = """\
#!/bin/bash
#SBATCH --job-name=never-runs
sleep 600
"""

EXITS_NON_ZERO = """\
#!/bin/bash
#SBATCH --job-name=exits-3
echo "about to fail" >&2
exit 3
"""


def seed(mock: MockJobbergate, *, client_id: str | None = None) -> dict[str, int]:
    """Add the seed submissions; return their ids by name."""
    ids: dict[str, int] = {}

    def add(
        name: str,
        files: dict[str, bytes | str],
        *,
        sbatch_arguments: list[str] | None = None,
        execution_directory: str | None = None,
    ) -> int:
        script_id = mock.add_job_script(name, files, entrypoint="job.sh")
        ids[name] = mock.add_submission(
            script_id,
            name,
            client_id=client_id,
            sbatch_arguments=sbatch_arguments,
            execution_directory=execution_directory,
        )
        return ids[name]

    add("hello", {"job.sh": HELLO})
    add(
        "support-files",
        {
            "job.sh": SUPPORT_FILES.format(digest=hashlib.sha256(BINARY_CONTENT).hexdigest()),
            "input.txt": "line one\nline two\n",
            "data/params.json": '{"alpha": 0.5, "steps": 10}',
            "blob.bin": BINARY_CONTENT,
        },
    )
    add(
        "sweep-17",
        {"job.sh": SWEEP},
        sbatch_arguments=["--mem=10M", "--time=5", "--job-name=sweep-17"],
        execution_directory="/tmp",
    )
    add("must-reject", {"job.sh": MUST_REJECT})
    mock.cancel(add("cancelled-before-submit", {"job.sh": CANCELLED}))
    add("exits-non-zero", {"job.sh": EXITS_NON_ZERO})
    return ids
