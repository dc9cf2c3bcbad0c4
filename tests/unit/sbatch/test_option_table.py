"""docs/sbatch-options.md stays generated from the registry, and the registry is coherent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jobbergate_agent.slurm.sbatch.registry import BY_SHORT, OPTIONS
from jobbergate_agent.slurm.types import JobDescription

ROOT = Path(__file__).resolve().parents[3]


def test_doc_is_in_sync_with_the_registry():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "sbatch_option_table.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_doc_lists_every_option_once():
    text = (ROOT / "docs" / "sbatch-options.md").read_text()
    for spec in OPTIONS:
        assert text.count(f"| `--{spec.name}`") == 1, spec.name


def test_registry_is_coherent():
    names = [spec.name for spec in OPTIONS]
    assert len(names) == len(set(names))
    shorts = [spec.short for spec in OPTIONS if spec.short]
    assert len(shorts) == len(set(shorts)) == len(BY_SHORT)
    known = set(JobDescription.model_fields)
    for spec in OPTIONS:
        if spec.status == "rejected":
            assert spec.handler is None and spec.note, spec.name
        else:
            assert spec.handler is not None, spec.name
        assert set(spec.fields) <= known, (spec.name, set(spec.fields) - known)


def test_the_common_sbatch_options_are_all_known():
    # The options of `sbatch --help` (Slurm 24.11) that users write most.
    expected = [
        "account",
        "acctg-freq",
        "array",
        "batch",
        "bb",
        "bbf",
        "begin",
        "chdir",
        "cluster-constraint",
        "clusters",
        "comment",
        "constraint",
        "container",
        "container-id",
        "contiguous",
        "core-spec",
        "cores-per-socket",
        "cpu-freq",
        "cpus-per-gpu",
        "cpus-per-task",
        "deadline",
        "delay-boot",
        "dependency",
        "distribution",
        "error",
        "exclude",
        "exclusive",
        "export",
        "export-file",
        "extra",
        "extra-node-info",
        "get-user-env",
        "gid",
        "gpu-bind",
        "gpu-freq",
        "gpus",
        "gpus-per-node",
        "gpus-per-socket",
        "gpus-per-task",
        "gres",
        "gres-flags",
        "help",
        "hint",
        "hold",
        "ignore-pbs",
        "input",
        "job-name",
        "kill-on-invalid-dep",
        "licenses",
        "mail-type",
        "mail-user",
        "mcs-label",
        "mem",
        "mem-bind",
        "mem-per-cpu",
        "mem-per-gpu",
        "mincpus",
        "network",
        "nice",
        "no-kill",
        "no-requeue",
        "nodefile",
        "nodelist",
        "nodes",
        "ntasks",
        "ntasks-per-core",
        "ntasks-per-gpu",
        "ntasks-per-node",
        "ntasks-per-socket",
        "open-mode",
        "output",
        "overcommit",
        "oversubscribe",
        "parsable",
        "partition",
        "prefer",
        "priority",
        "profile",
        "propagate",
        "qos",
        "quiet",
        "reboot",
        "requeue",
        "reservation",
        "signal",
        "sockets-per-node",
        "spread-job",
        "switches",
        "test-only",
        "thread-spec",
        "threads-per-core",
        "time",
        "time-min",
        "tmp",
        "tres-per-task",
        "uid",
        "usage",
        "use-min-nodes",
        "verbose",
        "version",
        "wait",
        "wait-all-nodes",
        "wckey",
        "wrap",
    ]
    known = {spec.name for spec in OPTIONS}
    assert set(expected) <= known, set(expected) - known
