"""The agent on a host without Slurm: its own network namespace (reaching the lab only through
two forwarders on the host end of a veth pair) and its own mount namespace, where no Slurm or
munge binary, no Slurm or munge configuration and no lab directory exist. It submits a job and
reports it DONE, over HTTP only. Needs root (ip netns, mount), as CI has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.deployment.netns import Forwarder, Namespace, hiding_script, slurm_files
from tests.integration.e2e import scripts

pytestmark = pytest.mark.lab

PROBE = Path(__file__).with_name("probe.py")
TARGETS = [("slurm-22.05", "v0.0.38"), ("slurm-26.05", "v0.0.45")]


def test_the_host_really_has_slurm_and_munge_to_hide():
    """(Otherwise the test below would prove nothing.)"""
    hidden = slurm_files()
    assert "/usr/bin/sbatch" in hidden and "/usr/sbin/munged" in hidden, hidden
    assert os.path.isdir("/var/lib/jobbergate-agent-lab")


@pytest.mark.parametrize(("cluster_name", "version"), TARGETS, ids=[f"{c}/{v}" for c, v in TARGETS])
def test_agent_without_slurm_submits_and_reports_over_http(
    make_run, tmp_path, cluster_name, version
):
    assert os.geteuid() == 0, "network and mount namespaces need root (CI runs as root)"
    run = make_run(cluster_name, version)
    slurmrestd_port = int(run.cluster.url.rsplit(":", 1)[1])
    hiding = hiding_script(tmp_path)
    with (
        Namespace(os.getpid() % 10_000) as namespace,
        Forwarder(namespace.host_addr, slurmrestd_port) as to_slurm,
        Forwarder(namespace.host_addr, run.server.port) as to_api,
    ):
        # What the agent's host looks like from the inside.
        probe = subprocess.run(
            namespace.command(hiding, sys.executable, str(PROBE), str(slurmrestd_port)),
            capture_output=True,
            text=True,
            timeout=30,
            env={k: v for k, v in os.environ.items() if not k.startswith(("SLURM", "MUNGE"))},
            check=False,
        )
        assert probe.returncode == 0, probe.stderr
        seen = json.loads(probe.stdout)
        assert seen["which"] == dict.fromkeys(seen["which"]), seen["which"]
        # (An empty, non-executable file is bound over each: nothing can run them.)
        assert set(seen["runs"].values()) <= {"FileNotFoundError", "PermissionError"}, seen
        assert not any(seen["config"].values()), seen["config"]
        assert seen["lab_dir"] == [], seen["lab_dir"]
        assert seen["interfaces"] == sorted(["lo", namespace.ns_if]), seen["interfaces"]
        # slurmrestd listens on the host's loopback only: not reachable from in there.
        assert seen["loopback_slurmrestd"] == "ConnectionRefusedError", seen
        assert seen["slurm_env"] == []

        api = f"{namespace.host_addr}:{to_api.port}"
        run.command_prefix = namespace.command(hiding)
        run.env_overrides = {
            "BASE_API_URL": f"http://{api}",
            "OIDC_DOMAIN": f"{api}/realms/jobbergate-local",
            "BASE_SLURMRESTD_URL": f"http://{namespace.host_addr}:{to_slurm.port}",
        }
        sid = run.add("off-controller", scripts.SUPPORT_BASH_FILES)
        code, log = run.once()
        assert code == 0, log[-3000:]
        assert run.row(sid).status == "SUBMITTED", (run.row(sid).snapshot(), log[-3000:])
        assert f"speaks REST {version}" in log
        run.wait_until(
            lambda: run.once()[0] == 0 and run.row(sid).status in ("DONE", "ABORTED"),
            timeout=90,
            what="the job to be reported final",
        )
        row = run.row(sid)
        assert (row.status, row.slurm_job_state) == ("DONE", "COMPLETED"), row.snapshot()
        assert to_slurm.connections > 0 and to_api.connections > 0
        connections = (to_slurm.connections, to_api.connections)

    # Slurm's own view, from the host: the job ran, as the mapped user, with its tag.
    facts = run.facts(row.slurm_job_id)
    assert facts is not None and facts.state == "COMPLETED", facts
    assert "bash support files OK" in run.output_of("off-controller", row.slurm_job_id)
    assert run.jobs_tagged(sid) in ([row.slurm_job_id], [])  # ([] once 26.05 purged it)
    gone = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert namespace.name not in gone
    print(
        f"\n{run.label}: agent in netns {namespace.name} ({namespace.ns_addr}/30, Slurm and "
        f"munge hidden): job {row.slurm_job_id} DONE through {connections[0]} slurmrestd and "
        f"{connections[1]} API connections forwarded by {namespace.host_addr}"
    )
