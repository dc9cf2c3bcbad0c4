"""Run inside the agent's namespace: what of Slurm and of the host can it see? Prints JSON.

Usage: python probe.py SLURMRESTD_PORT
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

COMMANDS = ("sbatch", "scontrol", "squeue", "scancel", "srun", "munge", "munged", "slurmctld")
CONFIG = (
    "/etc/slurm/slurm.conf",
    "/etc/munge/munge.key",
    "/var/lib/jobbergate-agent-lab/clusters.json",
)


def loopback(port: int) -> str:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return "connected"
    except OSError as error:
        return type(error).__name__


def runs(command: str) -> str:
    try:
        result = subprocess.run([command, "--version"], capture_output=True, timeout=5)
    except OSError as error:
        return type(error).__name__
    return f"exit {result.returncode}"


def main() -> None:
    port = int(sys.argv[1])
    print(
        json.dumps(
            {
                "which": {c: shutil.which(c) for c in COMMANDS},
                "runs": {c: runs(c) for c in ("sbatch", "munge", "/usr/bin/sbatch")},
                "config": {p: os.path.exists(p) for p in CONFIG},
                "lab_dir": os.listdir("/var/lib/jobbergate-agent-lab")
                if os.path.isdir("/var/lib/jobbergate-agent-lab")
                else None,
                "interfaces": sorted(os.listdir("/sys/class/net")),
                "loopback_slurmrestd": loopback(port),
                "slurm_env": sorted(k for k in os.environ if k.startswith(("SLURM", "MUNGE"))),
            }
        )
    )


if __name__ == "__main__":
    main()
