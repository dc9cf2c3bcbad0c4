"""Every translated option family, with sbatch's value syntax, to JobDescription fields."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jobbergate_agent.slurm.sbatch.registry import OPTIONS
from jobbergate_agent.slurm.types import INFINITE

from .conftest import directives, fields, make

CASES = [
    # accounting and placement
    ("-A proj", {"account": "proj"}),
    ("--account=proj", {"account": "proj"}),
    ("-p debug,long", {"partition": "debug,long"}),
    ("-q high", {"qos": "high"}),
    ("--reservation=maint", {"reservation": "maint"}),
    ("--wckey=wk", {"wckey": "wk"}),
    ("--comment='hello world'", {"comment": "hello world"}),
    ("-C 'intel&ib'", {"constraints": "intel&ib"}),
    ("--prefer=fast", {"prefer": "fast"}),
    ("--cluster-constraint=east", {"cluster_constraint": "east"}),
    ("-L fakelic:2", {"licenses": "fakelic:2"}),
    ("--licenses=a:1,b:2", {"licenses": "a:1,b:2"}),
    ("--mcs-label=grp", {"mcs_label": "grp"}),
    ("--network=sn_all", {"network": "sn_all"}),
    ("--bb='capacity=1G'", {"burst_buffer": "capacity=1G"}),
    ("--container=/c/bundle", {"container": "/c/bundle"}),
    ("--container-id=abc", {"container_id": "abc"}),
    ("--extra=rack=1", {"extra": "rack=1"}),
    ("--batch=big", {"batch_features": "big"}),
    ("--acctg-freq=task=30,energy=60", {"account_gather_frequency": "task=30,energy=60"}),
    # time
    ("-t 90", {"time_limit": 90}),
    ("--time=1:30:00", {"time_limit": 90}),
    ("--time=2-0", {"time_limit": 2880}),
    ("--time=UNLIMITED", {"time_limit": INFINITE}),
    ("--time-min=0:90", {"time_minimum": 2}),
    ("--delay-boot=5", {"delay_boot": 300}),
    # size and layout
    ("-N 2", {"nodes": "2"}),
    ("--nodes=2-4", {"nodes": "2-4"}),
    ("-n 8", {"tasks": 8}),
    ("-c 2", {"cpus_per_task": 2}),
    ("--ntasks-per-node=2", {"tasks_per_node": 2}),
    ("--tasks-per-node=3", {"tasks_per_node": 3}),
    ("--ntasks-per-socket=1", {"tasks_per_socket": 1}),
    ("--ntasks-per-core=1", {"tasks_per_core": 1}),
    ("--sockets-per-node=1", {"sockets_per_node": 1}),
    ("--cores-per-socket=2", {"cores_per_socket": 2}),
    ("--threads-per-core=1", {"threads_per_core": 1}),
    # -B alone sets the task count too (sbatch: sockets x cores x threads given)
    (
        "-B 2:4:1",
        {"sockets_per_node": 2, "cores_per_socket": 4, "threads_per_core": 1, "tasks": 8},
    ),
    ("--extra-node-info=1", {"sockets_per_node": 1, "tasks": 1}),
    ("-B '*:2'", {"cores_per_socket": 2, "tasks": 2}),
    ("--mincpus=2", {"minimum_cpus_per_node": 2}),
    ("-S 1", {"core_specification": 1}),
    ("--core-spec=0", {"core_specification": 0}),
    ("--thread-spec=2", {"thread_specification": 2}),
    ("-m cyclic", {"distribution": "cyclic"}),
    ("--distribution=plane=2", {"distribution": "plane=2", "distribution_plane_size": 2}),
    ("--cpu-freq=low-high:OnDemand", {"cpu_frequency": "low-high:OnDemand"}),
    ("--mem-bind=verbose,local", {"memory_binding_type": ["VERBOSE", "LOCAL"]}),
    ("--mem-bind=map_mem:0,1", {"memory_binding_type": ["MAP"], "memory_binding": "0,1"}),
    ("-w n[1-2],gpu01", {"required_nodes": ["n[1-2]", "gpu01"]}),
    ("--nodelist=node01", {"required_nodes": ["node01"]}),
    ("-x n3", {"excluded_nodes": ["n3"]}),
    ("--exclude=n[4-5]", {"excluded_nodes": ["n[4-5]"]}),
    ("--switches=2@10", {"required_switches": 2, "wait_for_switch": 600}),
    ("--switches=1", {"required_switches": 1}),
    ("--contiguous", {"contiguous": True}),
    ("-O", {"overcommit": True}),
    ("--segment=2", {"segment_size": 2}),
    ("--spread-job", {"flags": ["SPREAD_JOB"]}),
    ("--use-min-nodes", {"flags": ["PREFER_MINIMUM_NODE_COUNT"]}),
    ("--stepmgr", {"flags": ["STEPMGR_ENABLED"]}),
    # memory and disk
    ("--mem=2000", {"memory_per_node": 2000}),
    ("--mem=2G", {"memory_per_node": 2048}),
    ("--mem=0", {"memory_per_node": 0}),
    ("--mem-per-cpu=500M", {"memory_per_cpu": 500}),
    ("--mem-per-cpu=1025K", {"memory_per_cpu": 2}),
    ("--tmp=1G", {"temporary_disk_per_node": 1024}),
    ("--oom-kill-step", {"oom_kill_step": 1}),
    ("--oom-kill-step=0", {"oom_kill_step": 0}),
    # generic resources, as sbatch formats them
    ("--gres=gpu:2", {"tres_per_node": "gres/gpu:2"}),
    ("--gres=gpu:fake:1,mps:10", {"tres_per_node": "gres/gpu:fake:1,gres/mps:10"}),
    ("--gres=none", {}),
    ("-G 2", {"tres_per_job": "gres/gpu:2"}),
    ("--gpus=fake:1", {"tres_per_job": "gres/gpu:fake:1"}),
    ("--gpus-per-node=fake:2", {"tres_per_node": "gres/gpu:fake:2"}),
    ("--gpus-per-socket=1", {"tres_per_socket": "gres/gpu:1"}),
    ("--gpus-per-task=1", {"tres_per_task": "gres/gpu=1"}),
    ("--gpus-per-task=fake:2", {"tres_per_task": "gres/gpu:fake=2"}),
    ("--tres-per-task=gres:gpu=1", {"tres_per_task": "gres/gpu=1"}),
    ("--cpus-per-gpu=2", {"cpus_per_tres": "gres/gpu:2"}),
    ("--mem-per-gpu=1G", {"memory_per_tres": "gres/gpu:1024"}),
    ("--gpu-bind=closest", {"tres_bind": "gres/gpu:closest"}),
    ("--tres-bind=gres/gpu:verbose,closest", {"tres_bind": "gres/gpu:verbose,closest"}),
    ("--gpu-freq=high,memory=low", {"tres_freq": "gpu:high,memory=low"}),
    ("--ntasks-per-gpu=2", {"ntasks_per_tres": 2}),
    ("--ntasks-per-tres=3", {"ntasks_per_tres": 3}),
    ("--gres-flags=enforce-binding", {"flags": ["GRES_BINDING_ENFORCED"]}),
    ("--gres-flags=disable-binding", {"flags": ["GRES_BINDING_DISABLED"]}),
    # scheduling
    ("-a 0-15:4%2", {"array": "0-15:4%2"}),
    ("--array=1,3,5", {"array": "1,3,5"}),
    ("-d afterok:123:124,singleton", {"dependency": "afterok:123:124,singleton"}),
    ("-H", {"hold": True}),
    ("--priority=10", {"priority": 10}),
    ("--priority=TOP", {"priority": 0xFFFFFFFD}),
    ("--nice", {"nice": 100}),
    ("--nice=-5", {"nice": -5}),
    ("--nice=20", {"nice": 20}),
    ("--requeue", {"requeue": True}),
    ("--no-requeue", {"requeue": False}),
    ("--reboot", {"reboot": True}),
    ("-k", {"kill_on_node_fail": False}),
    ("--no-kill", {"kill_on_node_fail": False}),
    ("--no-kill=off", {}),
    ("--kill-on-invalid-dep=yes", {"flags": ["KILL_INVALID_DEPENDENCY"]}),
    ("--kill-on-invalid-dep=no", {"flags": ["NO_KILL_INVALID_DEPENDENCY"]}),
    ("--wait-all-nodes=1", {"wait_all_nodes": True}),
    ("--wait-all-nodes=0", {"wait_all_nodes": False}),
    ("--exclusive", {"sharing": "exclusive"}),
    ("--exclusive=user", {"sharing": "user"}),
    ("--exclusive=mcs", {"sharing": "mcs"}),
    ("--exclusive=topo", {"sharing": "topo"}),
    ("-s", {"sharing": "oversubscribe"}),
    ("--oversubscribe", {"sharing": "oversubscribe"}),
    ("--profile=task,energy", {"profile": ["ENERGY", "TASK"]}),
    ("--profile=none", {"profile": ["NONE"]}),
    # signals and mail
    ("--signal=USR1", {"kill_warning_signal": "USR1", "kill_warning_delay": 60}),
    (
        "--signal=B:USR2@300",
        {
            "kill_warning_signal": "USR2",
            "kill_warning_delay": 300,
            "kill_warning_flags": ["BATCH_JOB"],
        },
    ),
    (
        "--signal=R:15@10",
        {
            "kill_warning_signal": "TERM",
            "kill_warning_delay": 10,
            "kill_warning_flags": ["RESERVATION_JOB"],
        },
    ),
    (
        "--mail-type=ALL",
        {"mail_type": ["BEGIN", "END", "FAIL", "REQUEUE", "STAGE_OUT", "INVALID_DEPENDENCY"]},
    ),
    ("--mail-type=TIME_LIMIT_90,TIME_LIMIT_80", {"mail_type": ["TIME=90%", "TIME=80%"]}),
    ("--mail-type=NONE", {}),
    ("--mail-user=a@example.org", {"mail_user": "a@example.org"}),
    # files
    ("-i in.txt", {"standard_input": "/home/jgalice/in.txt"}),
    ("-o out-%j.txt", {"standard_output": "/home/jgalice/out-%j.txt"}),
    ("-e /tmp/err-%A_%a.txt", {"standard_error": "/tmp/err-%A_%a.txt"}),
    ("--output=none", {"standard_output": "/dev/null"}),
    ("--open-mode=append", {"open_mode": "APPEND"}),
    ("--open-mode=t", {"open_mode": "TRUNCATE"}),
]


@pytest.mark.parametrize("line, expected", CASES, ids=[c[0] for c in CASES])
def test_option_becomes_fields(line, expected):
    assert fields(directives(line)) == expected


def test_every_translated_option_has_a_case_or_a_dedicated_test():
    covered = set()
    for line, _ in CASES:
        word = line.split()[0].split("=")[0]
        covered.add(word)
    dedicated = {
        "--begin",
        "--deadline",
        "--job-name",
        "--chdir",
        "--export",
        "--get-user-env",
        "--ignore-pbs",
    }
    for spec in OPTIONS:
        if spec.status != "translated":
            continue
        forms = {f"--{spec.name}"} | ({f"-{spec.short}"} if spec.short else set())
        assert forms & (covered | dedicated), f"--{spec.name} has no test case"


def test_begin_and_deadline_are_epoch_seconds():
    got = fields(directives("--begin=now+1hour", "--deadline=2030-01-01T00:00"))
    expected = datetime.now() + timedelta(hours=1)
    assert abs(got["begin_time"] - expected.timestamp()) < 5
    assert got["deadline"] == int(datetime(2030, 1, 1).timestamp())


def test_gpus_per_node_and_other_gres_share_tres_per_node_in_sbatch_order():
    built = make(directives("--gres=mps:10", "--gpus-per-node=1"))
    assert built.job.tres_per_node == "gres/gpu:1,gres/mps:10"
    assert [o.fields for o in built.options] == [("tres_per_node",), ("tres_per_node",)]


def test_tres_per_task_and_gpus_per_task_combine():
    got = fields(directives("--tres-per-task=cpu=2", "--gpus-per-task=1"))
    assert got["tres_per_task"] == "cpu=2,gres/gpu=1"


def test_tasks_follow_from_gpus_and_ntasks_per_gpu_like_sbatch():
    # sbatch 26.05: --gpus=2 --ntasks-per-gpu=1 gives NumTasks=2
    assert fields(directives("--gpus=2", "--ntasks-per-gpu=1"))["tasks"] == 2
    assert fields(directives("--gpus=fake:1", "--ntasks-per-tres=3"))["tasks"] == 3
    assert fields(directives("-n 1", "--gpus=2", "--ntasks-per-gpu=1"))["tasks"] == 1


def test_flags_accumulate_from_several_options():
    got = fields(
        directives(
            "--spread-job",
            "--kill-on-invalid-dep=yes",
            "--gres-flags=enforce-binding",
            "--spread-job",
        )
    )
    assert got["flags"] == ["SPREAD_JOB", "KILL_INVALID_DEPENDENCY", "GRES_BINDING_ENFORCED"]


def test_extra_node_info_then_a_single_level_overrides_that_level():
    got = fields(directives("-B 2:4:2", "--threads-per-core=1"))
    assert got == {"sockets_per_node": 2, "cores_per_socket": 4, "threads_per_core": 1, "tasks": 8}


def test_tasks_follow_from_the_node_layout_like_sbatch():
    # measured with sbatch 24.11 and 26.05 on the lab (tests/fidelity 023)
    assert fields(directives("-B 1:2"))["tasks"] == 2
    assert fields(directives("-N 1", "--sockets-per-node=2"))["tasks"] == 2
    assert fields(directives("-N 2-2", "--cores-per-socket=2"))["tasks"] == 4
    assert "tasks" not in fields(directives("--sockets-per-node=2"))  # no -B, no fixed -N
    assert "tasks" not in fields(directives("-N 1-2", "--sockets-per-node=2"))
    assert "tasks" not in fields(directives("-B 1:2", "--ntasks-per-node=1"))
    assert fields(directives("-B 1:2", "-n 1"))["tasks"] == 1


def test_hold_wins_over_priority_as_in_sbatch():
    built = make(directives("--priority=5", "--hold"))
    assert built.job.hold is True and built.job.priority is None
    assert built.options[0].note == "overridden by --hold (a held job has priority 0)"


def test_no_kill_off_resets_an_earlier_no_kill():
    built = make(directives("-k"), ["--no-kill=off"])
    assert built.job.kill_on_node_fail is None
    assert "Slurm's default" in built.options[-1].note


def test_gres_none_clears_an_earlier_gres():
    assert fields(directives("--gres=gpu:1", "--gres=none")) == {}


def test_requeue_last_wins():
    assert fields(directives("--requeue"), ["--no-requeue"]) == {"requeue": False}


def test_job_name_default_is_the_submission_name_then_the_file_name():
    assert make(directives("-J mine"), job_name="sub").job.name == "mine"
    built = make("#!/bin/sh\n", job_name="submission 7")
    assert built.job.name == "submission 7"
    assert built.origin_of("name") == "submission name"
    assert make("#!/bin/sh\n").job.name == "job.sh"


def test_fields_set_by_options_name_their_origin():
    built = make(directives("-N 1", "--mem=1G"), ["--time=5"])
    assert built.origin_of("nodes") == "script line 2"
    assert built.origin_of("memory_per_node") == "script line 3"
    assert built.origin_of("time_limit") == "sbatch_arguments"
    assert built.origin_of("script") == "agent"
    assert built.origin_of("qos") is None
    assert built.options_for("memory_per_node")[0].text == "--mem=1G"


def test_standard_input_is_dev_null_unless_given_like_sbatch():
    built = make(directives("--hold"))
    assert built.job.standard_input == "/dev/null"
    assert built.origin_of("standard_input") == "sbatch's default (no --input)"
    assert make(directives("-i /data/in.txt")).job.standard_input == "/data/in.txt"


def test_relative_stream_names_are_made_absolute_against_the_working_directory():
    # sbatch 26.05 records /home/u/run/out-%j.txt for -o out-%j.txt with --chdir=/home/u/run
    built = make(directives("--chdir=/scratch/run/", "-o o-%j", "-e e-%j", "-i in"))
    job = built.job
    assert (job.standard_output, job.standard_error, job.standard_input) == (
        "/scratch/run/o-%j",
        "/scratch/run/e-%j",
        "/scratch/run/in",
    )
    built = make(directives("-o out.txt"), execution_directory="/work/x")
    assert built.job.standard_output == "/work/x/out.txt"
    assert make(directives("-o none")).job.standard_output == "/dev/null"
