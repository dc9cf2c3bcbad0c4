"""JobDescription -> each REST version's submit body."""

from __future__ import annotations

import pytest

from jobbergate_agent.slurm.adapters import SUPPORTED_VERSIONS, get_adapter
from jobbergate_agent.slurm.errors import UnsupportedJobField
from jobbergate_agent.slurm.types import INFINITE, JobDescription

DATA_PARSER_VERSIONS = [v for v in SUPPORTED_VERSIONS if v != "v0.0.38"]


def base_job(**fields) -> JobDescription:
    return JobDescription(
        script="#!/bin/sh\ntrue\n",
        name="t",
        current_working_directory="/w",
        environment={"PATH": "/bin", "A": "b=c"},
        **fields,
    )


@pytest.mark.parametrize("version", DATA_PARSER_VERSIONS)
def test_data_parser_versions_basic_shape(version):
    body = get_adapter(version).render_submission(
        base_job(time_limit=10, memory_per_node=512, tasks=2, mail_type=["END", "FAIL"])
    )
    job = body["job"]
    assert job["script"].startswith("#!/bin/sh")
    assert job["environment"] == ["PATH=/bin", "A=b=c"]
    # set:true is required, or Slurm silently ignores the number
    assert job["time_limit"] == {"set": True, "infinite": False, "number": 10}
    assert job["memory_per_node"] == {"set": True, "infinite": False, "number": 512}
    assert job["tasks"] == 2
    assert job["mail_type"] == ["END", "FAIL"]
    assert ("script" in body) == (version in ("v0.0.39", "v0.0.40"))


@pytest.mark.parametrize("version", DATA_PARSER_VERSIONS)
def test_unlimited_time_is_the_infinite_struct(version):
    job = get_adapter(version).render_submission(base_job(time_limit=INFINITE))["job"]
    assert job["time_limit"]["infinite"] is True


@pytest.mark.parametrize("version", DATA_PARSER_VERSIONS)
def test_sharing_uses_shared(version):
    job = get_adapter(version).render_submission(base_job(sharing="exclusive"))["job"]
    assert job["shared"] == ["none"]
    job = get_adapter(version).render_submission(base_job(sharing="oversubscribe"))["job"]
    assert job["shared"] == ["oversubscribe"]


@pytest.mark.parametrize("version", ["v0.0.39", "v0.0.40"])
def test_topo_needs_v0_0_41(version):
    with pytest.raises(UnsupportedJobField) as error:
        get_adapter(version).render_submission(base_job(sharing="topo"))
    assert "24.05" in str(error.value)


@pytest.mark.parametrize(
    "version,accepted",
    [
        ("v0.0.40", True),
        ("v0.0.41", False),
        ("v0.0.42", False),
        ("v0.0.43", False),
        ("v0.0.44", False),
        ("v0.0.45", True),
    ],
)
def test_cores_per_socket_follows_each_versions_job_desc_msg(version, accepted):
    adapter = get_adapter(version)
    if accepted:
        assert (
            adapter.render_submission(base_job(cores_per_socket=2))["job"]["cores_per_socket"] == 2
        )
    else:
        with pytest.raises(UnsupportedJobField) as error:
            adapter.render_submission(base_job(cores_per_socket=2))
        assert error.value.fields == ("cores_per_socket",)
        assert error.value.version == version


def test_v0_0_38_speaks_sbatch_names():
    body = get_adapter("v0.0.38").render_submission(
        base_job(
            time_limit=INFINITE,
            minimum_nodes=2,
            maximum_nodes=4,
            sharing="exclusive",
            kill_on_node_fail=False,
            open_mode="APPEND",
            mail_type=["END", "TIME=90%"],
            tres_per_node="gres/gpu:fake:1",
            tres_per_job="gres/gpu:2",
            cpus_per_tres="gres/gpu:3",
            memory_per_tres="gres/gpu:100",
            kill_warning_signal="USR1",
            kill_warning_delay=30,
            begin_time=1_800_000_000,
            delay_boot=300,
            wait_all_nodes=True,
            requeue=True,
            flags=["SPREAD_JOB", "KILL_INVALID_DEPENDENCY"],
            priority=INFINITE,
        )
    )
    assert body["script"].startswith("#!/bin/sh") and "script" not in body["job"]
    job = body["job"]
    assert job["environment"] == {"PATH": "/bin", "A": "b=c"}
    assert job["time_limit"] == "UNLIMITED"
    assert job["nodes"] == "2-4"
    assert job["exclusive"] == "exclusive"
    assert job["no_kill"] == "set"  # what 22.05 accepts; a bool is refused
    assert job["open_mode"] == "append"
    assert job["mail_type"] == "END,TIME_LIMIT_90"
    assert job["gres"] == "gpu:fake:1" and job["gpus"] == "2"
    assert job["cpus_per_gpu"] == "3" and job["memory_per_gpu"] == 100
    assert job["signal"] == "USR1@30"
    assert job["begin_time"] == "uts1800000000"
    assert job["delay_boot"] == 5  # minutes in v0.0.38, seconds in JobDescription
    assert job["wait_all_nodes"] == 1 and job["requeue"] is True
    assert job["spread_job"] is True and job["kill_on_invalid_dependency"] is True
    assert job["priority"] == "TOP"
    assert set(job) <= set(get_adapter("v0.0.38").job_fields)  # unknown keys fail the request


@pytest.mark.parametrize(
    "field,value,hint",
    [
        ("required_nodes", ["n1"], "--nodelist"),
        ("excluded_nodes", ["n1"], "--exclude"),
        ("temporary_disk_per_node", 100, "--tmp"),
    ],
)
def test_v0_0_38_refuses_what_it_cannot_say(field, value, hint):
    with pytest.raises(UnsupportedJobField) as error:
        get_adapter("v0.0.38").render_submission(base_job(**{field: value}))
    assert error.value.fields == (field,)
    assert hint in str(error.value) and "23.02" in str(error.value)


def test_v0_0_38_refuses_non_gpu_tres_per_job():
    with pytest.raises(UnsupportedJobField, match="only GPU"):
        get_adapter("v0.0.38").render_submission(base_job(tres_per_job="gres/foo:1"))


def test_every_unsupported_field_is_named_at_once():
    with pytest.raises(UnsupportedJobField) as error:
        get_adapter("v0.0.38").render_submission(
            base_job(required_nodes=["a"], excluded_nodes=["b"])
        )
    assert error.value.fields == ("required_nodes", "excluded_nodes")


def test_v0_0_38_says_what_22_05_reads_as_sbatch_would():
    # each form measured on the lab's 22.05 (tests/fidelity: 056, 061, 027, 042)
    job = get_adapter("v0.0.38").render_submission(
        base_job(
            requeue=False,
            deadline=1900000000,
            distribution="plane=1",
            distribution_plane_size=1,
            flags=["GRES_BINDING_ENFORCED"],
        )
    )["job"]
    assert job["no_requeue"] is True and "requeue" not in job  # requeue=false is ignored
    assert job["deadline"] == "uts1900000000"  # exact whatever slurmrestd's time zone
    assert job["distribution"] == "plane=1"
    assert job["gres_flags"] == "enforce-binding"
    size_only = get_adapter("v0.0.38").render_submission(base_job(distribution_plane_size=4))
    assert size_only["job"]["distribution"] == "plane=4"


def test_v0_0_38_refuses_what_22_05_would_misread():
    adapter = get_adapter("v0.0.38")
    for flags in (["BATCH_JOB"], ["BATCH_JOB", "RESERVATION_JOB"]):
        job = base_job(kill_warning_signal="USR1", kill_warning_flags=flags)
        with pytest.raises(UnsupportedJobField, match=r"B: \(signal the batch shell\)") as error:
            adapter.render_submission(job)
        assert error.value.fields == ("kill_warning_flags",)


def test_v0_0_38_sends_the_reservation_prefix_of_signal():
    # 22.05 reads --signal=R:... (only B: is refused)
    body = get_adapter("v0.0.38").render_submission(
        base_job(
            kill_warning_signal="USR1",
            kill_warning_delay=90,
            kill_warning_flags=["RESERVATION_JOB"],
        )
    )
    assert body["job"]["signal"] == "R:USR1@90"


def test_v0_0_38_reads_gpus_per_task_in_sbatch_23_11_spelling():
    adapter = get_adapter("v0.0.38")
    job = adapter.render_submission(base_job(tres_per_task="gres/gpu=2"))["job"]
    assert job["gpus_per_task"] == "2"
    job = adapter.render_submission(base_job(tres_per_task="gres/gpu:fake=1"))["job"]
    assert job["gpus_per_task"] == "fake:1"
    job = adapter.render_submission(base_job(cpus_per_task=2, tres_bind="gres/gpu:closest"))["job"]
    assert "flags" not in job and "tres_per_task" not in job and job["gpu_binding"] == "closest"


NEWER = [v for v in SUPPORTED_VERSIONS if v >= "v0.0.40"]


@pytest.mark.parametrize("version", NEWER)
def test_cpus_per_task_is_sent_as_sbatch_23_11_sends_it(version):
    # sbatch 24.11/26.05 on the lab: -c 2 is also tres_per_task=cpu=2 and a job flag
    job = get_adapter(version).render_submission(base_job(cpus_per_task=2, flags=["SPREAD_JOB"]))
    assert job["job"]["tres_per_task"] == "cpu=2"
    assert job["job"]["flags"] == ["SPREAD_JOB", "EXACT_CPU_COUNT_REQUESTED"]
    both = get_adapter(version).render_submission(
        base_job(cpus_per_task=1, tres_per_task="gres/gpu=1")
    )
    assert both["job"]["tres_per_task"] == "cpu=1,gres/gpu=1"
    given = get_adapter(version).render_submission(base_job(cpus_per_task=2, tres_per_task="cpu=2"))
    assert given["job"]["tres_per_task"] == "cpu=2"


@pytest.mark.parametrize("version", NEWER)
@pytest.mark.parametrize(
    "per_task, bind, expected",
    [
        ("gres/gpu=1", None, "gres/gpu:per_task:1"),  # --gpus-per-task=1
        ("gres/gpu:fake=2", None, "gres/gpu:per_task:2"),
        ("gres/gpu:1", None, "gres/gpu:per_task:1"),  # --tres-per-task=gres/gpu:1
        ("gres/gpu=1", "gres/gpu:closest", "gres/gpu:closest"),  # --gpu-bind given: kept
        ("cpu=2", None, None),
    ],
)
def test_gpus_per_task_are_bound_per_task_as_sbatch_does(version, per_task, bind, expected):
    job = get_adapter(version).render_submission(base_job(tres_per_task=per_task, tres_bind=bind))
    assert job["job"].get("tres_bind") == expected


def test_v0_0_39_sends_only_the_cpu_flag():
    # also served by 23.02/23.05: no cpu= in tres_per_task, no implicit GPU binding there
    job = get_adapter("v0.0.39").render_submission(
        base_job(cpus_per_task=2, tres_per_task="gres/gpu=1")
    )["job"]
    assert job["flags"] == ["EXACT_CPU_COUNT_REQUESTED"]
    assert job["tres_per_task"] == "gres/gpu=1" and "tres_bind" not in job


@pytest.mark.parametrize("version", ["v0.0.39", "v0.0.40"])
def test_stepmgr_flag_is_refused_where_the_flag_enum_lacks_it(version):
    # 24.11's v0.0.40 refuses the whole request: Unknown flag "STEPMGR_ENABLED" (9207)
    with pytest.raises(UnsupportedJobField) as error:
        get_adapter(version).render_submission(base_job(flags=["SPREAD_JOB", "STEPMGR_ENABLED"]))
    assert error.value.fields == ("flags=STEPMGR_ENABLED",)
    assert "v0.0.41" in str(error.value)


@pytest.mark.parametrize("version", ["v0.0.41", "v0.0.42", "v0.0.45"])
def test_stepmgr_flag_is_sent_from_v0_0_41(version):
    body = get_adapter(version).render_submission(base_job(flags=["STEPMGR_ENABLED"]))
    assert body["job"]["flags"] == ["STEPMGR_ENABLED"]
