"""sbatch's value syntaxes, parser by parser."""

from __future__ import annotations

import pytest

from jobbergate_agent.slurm.sbatch import values as v
from jobbergate_agent.slurm.sbatch.errors import ValueProblem
from jobbergate_agent.slurm.types import INFINITE


@pytest.mark.parametrize(
    "text, minutes",
    [
        ("5", 5),
        ("90", 90),
        ("0:30", 1),
        ("1:00", 1),
        ("1:01", 2),
        ("2:03:04", 124),
        ("1-0", 1440),
        ("1-2", 1560),
        ("1-2:30", 1590),
        ("1-2:30:01", 1591),
        ("0", INFINITE),
        ("0:0", INFINITE),
        ("UNLIMITED", INFINITE),
        ("infinite", INFINITE),
        ("-1", INFINITE),
        (" 10 ", 10),
    ],
)
def test_duration_minutes_rounds_seconds_up(text, minutes):
    assert v.duration_minutes(text) == minutes


@pytest.mark.parametrize("text", ["abc", "", "1:2:3:4", "1-", "-5", "1.5", "1h", "1-2-3"])
def test_duration_rejects_other_forms(text):
    with pytest.raises(ValueProblem, match="use minutes, MM:SS"):
        v.duration_minutes(text)


def test_duration_seconds_is_exact():
    assert v.duration_seconds("2") == 120
    assert v.duration_seconds("1:05") == 65
    assert v.duration_seconds("unlimited") is None


@pytest.mark.parametrize(
    "text, mb",
    [
        ("0", 0),
        ("100", 100),
        ("100M", 100),
        ("1G", 1024),
        ("2g", 2048),
        ("1T", 1048576),
        ("1024K", 1),
        ("1025K", 2),
        ("1K", 1),
        ("0K", 0),
        ("500m", 500),
    ],
)
def test_megabytes(text, mb):
    assert v.megabytes(text) == mb


@pytest.mark.parametrize("text", ["1.5G", "G", "10GB", "-1", "ten", ""])
def test_megabytes_rejects(text):
    with pytest.raises(ValueProblem, match="megabytes"):
        v.megabytes(text)


def test_count_limits():
    assert v.count("3") == 3
    assert v.count("0", minimum=0) == 0
    with pytest.raises(ValueProblem, match="at least 1"):
        v.count("x")
    with pytest.raises(ValueProblem, match="from 1 to"):
        v.count("0")


@pytest.mark.parametrize(
    "text, expected", [("2", (2, None)), ("2-4", (2, 4)), ("0", (0, None)), ("3-3", (3, 3))]
)
def test_node_count(text, expected):
    assert v.node_count(text) == expected


@pytest.mark.parametrize("text", ["4-2", "two", "1,2", "2-"])
def test_node_count_rejects(text):
    with pytest.raises(ValueProblem):
        v.node_count(text)


def test_host_lists_split_at_top_level_commas():
    assert v.host_list("n[1-3,5],gpu01") == ["n[1-3,5]", "gpu01"]
    assert v.host_list("node01") == ["node01"]
    assert v.host_list("a[1-2]b[3-4]") == ["a[1-2]b[3-4]"]


@pytest.mark.parametrize("text", ["n[1-3", "n1-3]", "n1,,n2", "n 1", ""])
def test_host_lists_reject(text):
    with pytest.raises(ValueProblem):
        v.host_list(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("USR1", ("USR1", 60, [])),
        ("SIGUSR1@120", ("USR1", 120, [])),
        ("10", ("USR1", 60, [])),
        ("B:TERM@30", ("TERM", 30, ["BATCH_JOB"])),
        ("R:USR2", ("USR2", 60, ["RESERVATION_JOB"])),
        ("RB:2@5", ("INT", 5, ["BATCH_JOB", "RESERVATION_JOB"])),
        ("usr2", ("USR2", 60, [])),
        ("40", ("40", 60, [])),
    ],
)
def test_signal_spec(text, expected):
    assert v.signal_spec(text) == expected


@pytest.mark.parametrize("text", ["X:USR1", "NOPE", "0", "USR1@x", "USR1@70000", "65"])
def test_signal_spec_rejects(text):
    with pytest.raises(ValueProblem):
        v.signal_spec(text)


def test_mail_types():
    assert v.mail_types("all") == {
        "BEGIN",
        "END",
        "FAIL",
        "REQUEUE",
        "STAGE_OUT",
        "INVALID_DEPENDENCY",
    }
    assert v.mail_types("TIME_LIMIT,TIME_LIMIT_50,ARRAY_TASKS") == {
        "TIME=100%",
        "TIME=50%",
        "ARRAY_TASKS",
    }
    assert v.mail_types("NONE") == set()
    with pytest.raises(ValueProblem, match="comma list of NONE, BEGIN"):
        v.mail_types("BEGIN,LATER")


@pytest.mark.parametrize("text", ["0-15", "0-15:4%2", "1,3,5", "7", "0-3,8-9%1", "1-9:2"])
def test_array_spec(text):
    assert v.array_spec(text) == text


@pytest.mark.parametrize("text", ["a-b", "1-", "%2", "1-3%", "1:2"])
def test_array_spec_rejects(text):
    with pytest.raises(ValueProblem):
        v.array_spec(text)


@pytest.mark.parametrize(
    "text",
    [
        "afterok:123:124,singleton",
        "afterany:1?afternotok:2",
        "after:12+5",
        "aftercorr:7_3",
        "singleton",
        "expand:5",
    ],
)
def test_dependency_spec(text):
    assert v.dependency_spec(text) == text


@pytest.mark.parametrize(
    "text", ["afterok", "afterok:x", "before:1", "afterok:1,singleton?after:2"]
)
def test_dependency_spec_rejects(text):
    with pytest.raises(ValueProblem):
        v.dependency_spec(text)


def test_distribution_spec():
    assert v.distribution_spec("cyclic:block,Pack") == ("cyclic:block,Pack", None)
    assert v.distribution_spec("plane=4") == ("plane=4", 4)
    assert v.distribution_spec("*:*:fcyclic") == ("*:*:fcyclic", None)
    with pytest.raises(ValueProblem):
        v.distribution_spec("diagonal")


def test_cpu_freq_spec():
    assert v.cpu_freq_spec("low-high:OnDemand") == "low-high:OnDemand"
    assert v.cpu_freq_spec("2400000") == "2400000"
    with pytest.raises(ValueProblem):
        v.cpu_freq_spec("fast")


def test_gres_spec_prepends_the_tres_type_like_sbatch():
    assert v.gres_spec("gpu:2") == "gres/gpu:2"
    assert v.gres_spec("gpu:fake:2,mps:50") == "gres/gpu:fake:2,gres/mps:50"
    assert v.gres_spec("gres/gpu:1") == "gres/gpu:1"
    assert v.gres_spec("gres:gpu:1") == "gres/gpu:1"
    assert v.gres_spec("gpu") == "gres/gpu"
    with pytest.raises(ValueProblem):
        v.gres_spec("gpu::2")


def test_gpu_counts():
    assert v.gpu_counts("2") == ["2"]
    assert v.gpu_counts("a100:1,v100:2") == ["a100:1", "v100:2"]
    with pytest.raises(ValueProblem, match=r"\[TYPE:\]COUNT"):
        v.gpu_counts("a100")


def test_profile_spec():
    assert v.profile_spec("all") == ["ENERGY", "LUSTRE", "NETWORK", "TASK"]
    assert v.profile_spec("task,energy") == ["ENERGY", "TASK"]
    assert v.profile_spec("none") == ["NONE"]
    with pytest.raises(ValueProblem):
        v.profile_spec("disk")
