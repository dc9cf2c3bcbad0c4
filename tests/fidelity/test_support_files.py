"""End to end on every cluster and REST version: a submission with support files (a binary
one, one in a subdirectory, an executable helper) runs through the agent's wrapper; the
entrypoint, bash or Python, finds every file in its working directory with its content and
mode, and the job ends as the entrypoint ended (exit 3 -> FAILED, exit code 3)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.sbatch import build_job
from tests.integration.lab import Cluster
from tests.integration.slurm.conftest import wait_for_job

pytestmark = pytest.mark.lab

USER = "jgalice"
BINARY = bytes(range(256)) * 4 + b"\x00\xff\x00"  # every byte value, NULs, no newline at end
FILES = {
    "data.bin": BINARY,
    "inputs/deep/notes.txt": "two lines\nwith ünïcode\n".encode(),
    "bin/helper.sh": b"#!/bin/sh\necho helper ran in $(pwd)\n",
}
MODES = {"data.bin": 0o600, "inputs/deep/notes.txt": 0o644, "bin/helper.sh": 0o755}

BASH = b"""#!/bin/bash
#SBATCH -J support-bash
#SBATCH -t 1
#SBATCH -o report-%j.txt
for f in data.bin inputs/deep/notes.txt bin/helper.sh; do
    echo "$f $(sha256sum < "$f" | cut -d' ' -f1) $(stat -c %a "$f")"
done
echo "pwd $(pwd)"
./bin/helper.sh
exit 3
"""
PYTHON = b"""#!/usr/bin/env python3
#SBATCH -J support-python
#SBATCH -t 1
#SBATCH -o report-%j.txt
import hashlib, os, subprocess, sys
for name in ("data.bin", "inputs/deep/notes.txt", "bin/helper.sh"):
    with open(name, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    print(name, digest, format(os.stat(name).st_mode & 0o7777, "o"))
print("pwd", os.getcwd())
sys.stdout.flush()
subprocess.run(["./bin/helper.sh"], check=True)
sys.exit(3)
"""
ENTRYPOINTS = {"bash": ("run.sh", BASH), "python": ("run.py", PYTHON)}


def fresh_workdir(cluster: Cluster, name: str) -> str:
    """A new directory under the user's home in the cluster's root, owned by the user."""
    path = f"/home/{USER}/support-{name}-{int(time.time() * 1000)}-{os.getpid()}"
    host = cluster.host_path(path)
    host.mkdir(mode=0o755)
    for line in (cluster.root / "etc/passwd").read_text().splitlines():
        parts = line.split(":")
        if parts[0] == USER:
            os.chown(host, int(parts[2]), int(parts[3]))
    return path


def expected_report(workdir: str) -> list[str]:
    lines = [
        f"{name} {hashlib.sha256(content).hexdigest()} {MODES[name]:o}"
        for name, content in FILES.items()
    ]
    return [*lines, f"pwd {workdir}", f"helper ran in {workdir}"]


@pytest.mark.parametrize("kind", sorted(ENTRYPOINTS))
async def test_support_files_and_exit_code(cluster_version, kind, make_client):
    cluster, version = cluster_version
    interpreter = cluster.host_path("/usr/bin/python3")
    assert kind != "python" or interpreter.exists(), (
        f"{cluster.name} has no python3 in its root: install it with "
        f"`chroot {cluster.root} apt-get install -y python3-minimal`"
    )
    name, entrypoint = ENTRYPOINTS[kind]
    workdir = fresh_workdir(cluster, f"{version}-{kind}")
    try:
        built = build_job(
            name,
            entrypoint,
            support_files=FILES,
            file_modes=MODES,
            username=USER,
            execution_directory=workdir,
            settings=Settings(WRITE_SUBMISSION_FILES=True),
        )
        client = make_client(cluster, version)
        result = await client.submit(USER, built.job)
        try:
            record = await wait_for_job(client, USER, result.job_id, timeout=90)
        finally:
            await client.cancel(USER, result.job_id)
        assert record.state == "FAILED", (record.state, record.reason)
        assert record.exit_code == 3
        assert record.working_directory == workdir
        report = cluster.host_path(f"{workdir}/report-{result.job_id}.txt")
        for _ in range(50):  # written on the node; give the file system a moment
            if report.exists() and "helper ran" in report.read_text():
                break
            time.sleep(0.2)
        assert report.read_text().splitlines() == expected_report(workdir)
        # the files are really there, as the job left them
        for file_name, content in FILES.items():
            path = Path(cluster.host_path(f"{workdir}/{file_name}"))
            assert path.read_bytes() == content
            assert path.stat().st_mode & 0o7777 == MODES[file_name]
            assert path.stat().st_uid == cluster.host_path(workdir).stat().st_uid
    finally:
        import shutil

        shutil.rmtree(cluster.host_path(workdir), ignore_errors=True)
