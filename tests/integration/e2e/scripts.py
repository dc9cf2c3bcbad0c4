"""Job scripts of the end-to-end tests: each one checks what it must find and says so."""

from __future__ import annotations

import hashlib
import json

# Every byte value (NUL, invalid UTF-8...) four times: must arrive byte for byte.
BLOB = bytes(range(256)) * 4
BLOB_SHA256 = hashlib.sha256(BLOB).hexdigest()
PARAMS = {"alpha": 0.5, "steps": 10}

HELLO = """\
#!/bin/bash
#SBATCH --job-name=e2e-hello
#SBATCH --time=2
echo "hello from $(hostname) as $(whoami) in $(pwd)"
"""

EXITS_3 = """\
#!/bin/bash
#SBATCH --job-name=e2e-exit-3
echo "about to fail" >&2
exit 3
"""

# sbatch --wait blocks until the job ends: nothing a REST submission can do.
MUST_REJECT = """\
#!/bin/bash
#SBATCH --job-name=e2e-waits
#SBATCH --wait
echo "must never run"
"""

LONG = """\
#!/bin/bash
#SBATCH --job-name=e2e-long
#SBATCH --time=10
sleep 300
"""

QUICK = """\
#!/bin/bash
#SBATCH --job-name=e2e-quick
echo quick
"""

SUPPORT_BASH = f"""\
#!/bin/bash
#SBATCH --job-name=e2e-files-bash
set -euo pipefail
test "$(cat input.txt)" = "line one"
test "$(cat data/params.json)" = '{json.dumps(PARAMS)}'
echo "{BLOB_SHA256}  blob.bin" | sha256sum -c -
test -x job.sh
echo "bash support files OK"
"""

SUPPORT_PYTHON = f"""\
#!/usr/bin/env python3
#SBATCH --job-name=e2e-files-python
# Checks its support files, then exits 7: the job's exit code must be this script's.
import hashlib
import json
import pathlib
import sys

assert pathlib.Path("input.txt").read_text() == "line one\\n"
assert json.loads(pathlib.Path("conf/nested/params.json").read_text()) == {PARAMS!r}
digest = hashlib.sha256(pathlib.Path("blob.bin").read_bytes()).hexdigest()
assert digest == "{BLOB_SHA256}", digest
print("python support files OK", sys.version.split()[0], flush=True)
sys.exit(7)
"""

SUPPORT_BASH_FILES: dict[str, bytes | str] = {
    "job.sh": SUPPORT_BASH,
    "input.txt": "line one\n",
    "data/params.json": json.dumps(PARAMS),
    "blob.bin": BLOB,
}
SUPPORT_PYTHON_FILES: dict[str, bytes | str] = {
    "main.py": SUPPORT_PYTHON,
    "input.txt": "line one\n",
    "conf/nested/params.json": json.dumps(PARAMS),
    "blob.bin": BLOB,
}
