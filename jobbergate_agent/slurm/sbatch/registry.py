"""Every sbatch option, and what the agent does with it.

One entry per option of sbatch (Slurm 24.11 to 26.05, plus a few older or neighbouring names
people still write): its short form, whether it takes a value, and its status:

- translated: the handler turns its value into JobDescription fields;
- rejected: the submission is refused with `note`, which says why and what to use instead;
- ignored: accepted, with no effect on the job (the note says why that is right).

docs/sbatch-options.md is generated from this table (tools/sbatch_option_table.py), and a
test checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jobbergate_agent.slurm.sbatch import handlers as h
from jobbergate_agent.slurm.sbatch import values as v
from jobbergate_agent.slurm.sbatch.handlers import Handler

Arg = Literal["none", "required", "optional"]
Status = Literal["translated", "rejected", "ignored"]


@dataclass(frozen=True)
class OptionSpec:
    name: str
    short: str | None
    arg: Arg
    status: Status
    fields: tuple[str, ...] = ()
    handler: Handler | None = None
    note: str = ""


def T(
    name: str,
    short: str | None,
    arg: Arg,
    fields: tuple[str, ...],
    handler: Handler,
    note: str = "",
) -> OptionSpec:
    return OptionSpec(name, short, arg, "translated", fields, handler, note)


def R(name: str, short: str | None, arg: Arg, note: str) -> OptionSpec:
    return OptionSpec(name, short, arg, "rejected", (), None, note)


_CLIENT = "it only changes what the sbatch command itself does, and the agent runs no sbatch"
_SRUN = "it is an srun/salloc option, not an sbatch one"
_RELATIVE = (
    "a relative name is made absolute against the job's working directory, as sbatch 26.05 does"
)

OPTIONS: tuple[OptionSpec, ...] = (
    T("account", "A", "required", ("account",), h.string("account")),
    T(
        "acctg-freq",
        None,
        "required",
        ("account_gather_frequency",),
        h.string("account_gather_frequency"),
    ),
    T("array", "a", "required", ("array",), h.string("array", v.array_spec)),
    R("autocomplete", None, "required", f"{_CLIENT}; remove it"),
    T("batch", None, "required", ("batch_features",), h.string("batch_features")),
    T("bb", None, "required", ("burst_buffer",), h.string("burst_buffer")),
    R(
        "bbf",
        None,
        "required",
        "it reads a file on the submit host, which the agent cannot "
        "do; put the burst buffer specification in --bb instead",
    ),
    T(
        "begin",
        "b",
        "required",
        ("begin_time",),
        h.moment("begin_time"),
        "times are read in the agent's time zone (docs/environment.md)",
    ),
    T(
        "chdir",
        "D",
        "required",
        ("current_working_directory",),
        h.chdir,
        "absolute paths only; the submission's execution_directory wins over it",
    ),
    R(
        "cluster",
        None,
        "required",
        "the agent submits to the one cluster its slurmrestd "
        "serves; remove it, or register the job with the agent of the other cluster",
    ),
    T(
        "cluster-constraint",
        None,
        "required",
        ("cluster_constraint",),
        h.string("cluster_constraint"),
    ),
    R(
        "clusters",
        "M",
        "required",
        "the agent submits to the one cluster its slurmrestd "
        "serves; remove it, or register the job with the agent of the other cluster",
    ),
    T("comment", None, "required", ("comment",), h.string("comment")),
    T("constraint", "C", "required", ("constraints",), h.string("constraints")),
    T("container", None, "required", ("container",), h.string("container")),
    T("container-id", None, "required", ("container_id",), h.string("container_id")),
    R(
        "context",
        None,
        "required",
        "the SELinux context cannot be sent through slurmrestd by the agent; remove it",
    ),
    T("contiguous", None, "none", ("contiguous",), h.switch("contiguous")),
    T(
        "core-spec",
        "S",
        "required",
        ("core_specification",),
        h.integer("core_specification", minimum=0),
    ),
    T(
        "cores-per-socket",
        None,
        "required",
        ("cores_per_socket",),
        h.integer("cores_per_socket"),
        "REST v0.0.41 to v0.0.44 cannot carry it (Slurm dropped the field); the job is then "
        "rejected with that explanation",
    ),
    R(
        "cpu-bind",
        None,
        "required",
        f"{_SRUN}; use `srun --cpu-bind=...` inside the script (or export SLURM_CPU_BIND there)",
    ),
    T("cpu-freq", None, "required", ("cpu_frequency",), h.string("cpu_frequency", v.cpu_freq_spec)),
    T(
        "cpus-per-gpu",
        None,
        "required",
        ("cpus_per_tres",),
        h.cpus_per_gpu,
        "sent as cpus_per_tres=gres/gpu:N, as sbatch does",
    ),
    T(
        "cpus-per-task",
        "c",
        "required",
        ("cpus_per_task",),
        h.integer("cpus_per_task"),
        "on REST v0.0.40+ also tres_per_task=cpu=N and the flag EXACT_CPU_COUNT_REQUESTED "
        "(v0.0.39: the flag), as sbatch 23.11+ sends",
    ),
    T(
        "deadline",
        None,
        "required",
        ("deadline",),
        h.moment("deadline"),
        "times are read in the agent's time zone (docs/environment.md)",
    ),
    T("delay-boot", None, "required", ("delay_boot",), h.delay_boot, "minutes -> seconds"),
    T("dependency", "d", "required", ("dependency",), h.string("dependency", v.dependency_spec)),
    T("distribution", "m", "required", ("distribution", "distribution_plane_size"), h.distribution),
    T(
        "error",
        "e",
        "required",
        ("standard_error",),
        h.io_path("standard_error"),
        "none means /dev/null, as in sbatch; " + _RELATIVE,
    ),
    T("exclude", "x", "required", ("excluded_nodes",), h.exclude),
    T(
        "exclusive",
        None,
        "optional",
        ("sharing",),
        h.exclusive,
        "--exclusive[=user|mcs|topo]; sent as exclusive/oversubscribe or shared per version",
    ),
    T(
        "export",
        None,
        "required",
        ("environment",),
        h.export,
        "see docs/environment.md: ALL means the agent's base environment",
    ),
    R(
        "export-file",
        None,
        "required",
        "it reads a file on the submit host, which the agent "
        "cannot do; list the variables with --export=VAR=value,... instead",
    ),
    T("extra", None, "required", ("extra",), h.string("extra")),
    T(
        "extra-node-info",
        "B",
        "required",
        ("sockets_per_node", "cores_per_socket", "threads_per_core"),
        h.extra_node_info,
        "S[:C[:T]], * leaves a level unset; without -n or --ntasks-per-node the task count "
        "is nodes x S x C x T (the levels given), as sbatch sets it",
    ),
    T(
        "get-user-env",
        None,
        "optional",
        ("environment",),
        h.get_user_env,
        "sets SLURM_GET_USER_ENV=1 in the job environment, as sbatch does; no timeout/mode",
    ),
    R(
        "gid",
        None,
        "required",
        "the job runs with the mapped user's own identity, which the "
        "agent does not override; remove it",
    ),
    T(
        "gpu-bind",
        None,
        "required",
        ("tres_bind",),
        h.gpu_prefixed("tres_bind", "gres/gpu:"),
        "sent as tres_bind=gres/gpu:VALUE, as sbatch does",
    ),
    T(
        "gpu-freq",
        None,
        "required",
        ("tres_freq",),
        h.gpu_prefixed("tres_freq", "gpu:"),
        "sent as tres_freq=gpu:VALUE, as sbatch does",
    ),
    T(
        "gpus",
        "G",
        "required",
        ("tres_per_job",),
        h.gpus("gpus"),
        "sent as tres_per_job=gres/gpu:[TYPE:]N",
    ),
    T(
        "gpus-per-node",
        None,
        "required",
        ("tres_per_node",),
        h.gpus("gpus_per_node"),
        "sent as tres_per_node=gres/gpu:[TYPE:]N (before any --gres)",
    ),
    T(
        "gpus-per-socket",
        None,
        "required",
        ("tres_per_socket",),
        h.gpus("gpus_per_socket"),
        "sent as tres_per_socket=gres/gpu:[TYPE:]N",
    ),
    T(
        "gpus-per-task",
        None,
        "required",
        ("tres_per_task",),
        h.gpus("gpus_per_task"),
        "sent as tres_per_task=gres/gpu[:TYPE]=N, as sbatch 23.11+ does; on REST v0.0.40+ "
        "also tres_bind=gres/gpu:per_task:N unless --gpu-bind is given (what that sbatch adds)",
    ),
    T(
        "gres",
        None,
        "required",
        ("tres_per_node",),
        h.gres,
        "gpu:2 becomes tres_per_node=gres/gpu:2; none sends nothing",
    ),
    T(
        "gres-flags",
        None,
        "required",
        ("flags",),
        h.gres_flags,
        "disable-binding or enforce-binding (job flags GRES_BINDING_*)",
    ),
    R("help", "h", "none", f"{_CLIENT}; remove it"),
    R(
        "hint",
        None,
        "required",
        "sbatch turns it into socket/core/thread limits that depend "
        "on the cluster's configuration, which the agent cannot see; use --threads-per-core=1 "
        "--ntasks-per-core=1 for nomultithread, or `srun --hint=...` inside the script",
    ),
    T("hold", "H", "none", ("hold",), h.switch("hold"), "wins over --priority, as in sbatch"),
    OptionSpec(
        "ignore-pbs",
        None,
        "none",
        "ignored",
        (),
        h.ignore("#PBS lines are not read anyway"),
        "the agent never reads #PBS lines; a script with #PBS directives needs this option "
        "to be accepted",
    ),
    R("immediate", "I", "optional", f"{_SRUN}; remove it"),
    T(
        "input",
        "i",
        "required",
        ("standard_input",),
        h.io_path("standard_input"),
        "none means /dev/null; without --input stdin is /dev/null, as in sbatch; " + _RELATIVE,
    ),
    T(
        "job-name",
        "J",
        "required",
        ("name",),
        h.string("name"),
        "without it the submission's name is the job name",
    ),
    T(
        "kill-on-invalid-dep",
        None,
        "required",
        ("flags",),
        h.kill_on_invalid_dep,
        "yes|no -> job flag (NO_)KILL_INVALID_DEPENDENCY",
    ),
    T("licenses", "L", "required", ("licenses",), h.string("licenses")),
    T(
        "mail-type",
        None,
        "required",
        ("mail_type",),
        h.mail_type,
        "the last one wins, as in sbatch 26.05 (22.05 and 24.11 add repeated ones up); "
        "TIME_LIMIT_90 is sent as TIME=90%, etc.",
    ),
    T("mail-user", None, "required", ("mail_user",), h.string("mail_user")),
    T("mcs-label", None, "required", ("mcs_label",), h.string("mcs_label")),
    T(
        "mem",
        None,
        "required",
        ("memory_per_node",),
        h.size("mem"),
        "MB by default, K/M/G/T suffixes, rounded up; 0 means all the node's memory",
    ),
    T("mem-bind", None, "required", ("memory_binding_type", "memory_binding"), h.mem_bind),
    T("mem-per-cpu", None, "required", ("memory_per_cpu",), h.size("mem_per_cpu")),
    T(
        "mem-per-gpu",
        None,
        "required",
        ("memory_per_tres",),
        h.mem_per_gpu,
        "sent as memory_per_tres=gres/gpu:MB, as sbatch does",
    ),
    T("mincpus", None, "required", ("minimum_cpus_per_node",), h.integer("minimum_cpus_per_node")),
    T("network", None, "required", ("network",), h.string("network")),
    T("nice", None, "optional", ("nice",), h.nice, "100 when given without a value"),
    T(
        "no-kill",
        "k",
        "optional",
        ("kill_on_node_fail",),
        h.no_kill,
        "kill_on_node_fail=false; --no-kill=off keeps Slurm's default",
    ),
    T("no-requeue", None, "none", ("requeue",), h.switch("requeue", False)),
    R(
        "nodefile",
        "F",
        "required",
        "it reads a file on the submit host, which the agent "
        "cannot do; list the nodes with --nodelist=node[1-3] instead",
    ),
    T(
        "nodelist",
        "w",
        "required",
        ("required_nodes",),
        h.nodelist,
        "host lists such as n[1-3],gpu01; the file-name form is rejected",
    ),
    T("nodes", "N", "required", ("nodes",), h.nodes, "N or MIN-MAX"),
    T("ntasks", "n", "required", ("tasks",), h.integer("tasks")),
    T("ntasks-per-core", None, "required", ("tasks_per_core",), h.integer("tasks_per_core")),
    T("ntasks-per-gpu", None, "required", ("ntasks_per_tres",), h.integer("ntasks_per_gpu")),
    T("ntasks-per-node", None, "required", ("tasks_per_node",), h.integer("tasks_per_node")),
    T("ntasks-per-socket", None, "required", ("tasks_per_socket",), h.integer("tasks_per_socket")),
    T("ntasks-per-tres", None, "required", ("ntasks_per_tres",), h.integer("ntasks_per_tres")),
    T(
        "oom-kill-step",
        None,
        "optional",
        ("oom_kill_step",),
        h.oom_kill_step,
        "1 when given without a value",
    ),
    T("open-mode", None, "required", ("open_mode",), h.open_mode),
    T(
        "output",
        "o",
        "required",
        ("standard_output",),
        h.io_path("standard_output"),
        "none means /dev/null; " + _RELATIVE,
    ),
    T("overcommit", "O", "none", ("overcommit",), h.switch("overcommit")),
    T(
        "oversubscribe",
        "s",
        "none",
        ("sharing",),
        h.switch("sharing", "oversubscribe"),
        "mutually exclusive with --exclusive, as in sbatch",
    ),
    R(
        "parsable",
        None,
        "none",
        f"{_CLIENT} (the agent reads the job id from slurmrestd); remove it",
    ),
    T("partition", "p", "required", ("partition",), h.string("partition")),
    R("power", None, "required", "Slurm removed power management options; remove it"),
    T("prefer", None, "required", ("prefer",), h.string("prefer")),
    T("priority", None, "required", ("priority",), h.priority, "a number or TOP"),
    T("profile", None, "required", ("profile",), h.profile),
    R(
        "propagate",
        None,
        "optional",
        "it copies the resource limits of the submitting "
        "shell, and the agent has no shell of yours; set limits inside the script with "
        "`ulimit`",
    ),
    T("qos", "q", "required", ("qos",), h.string("qos")),
    R("quiet", "Q", "none", f"{_CLIENT}; remove it"),
    T("reboot", None, "none", ("reboot",), h.switch("reboot")),
    T("requeue", None, "none", ("requeue",), h.switch("requeue", True)),
    T("reservation", None, "required", ("reservation",), h.string("reservation")),
    T("segment", None, "required", ("segment_size",), h.integer("segment_size", maximum=65533)),
    T(
        "signal",
        None,
        "required",
        ("kill_warning_signal", "kill_warning_delay", "kill_warning_flags"),
        h.signal,
        "[R|B:]SIG[@SECONDS]; the delay defaults to 60 s; REST v0.0.38 cannot express B:",
    ),
    T("sockets-per-node", None, "required", ("sockets_per_node",), h.integer("sockets_per_node")),
    T("spread-job", None, "none", ("flags",), h.flag("SPREAD_JOB")),
    T("stepmgr", None, "none", ("flags",), h.flag("STEPMGR_ENABLED")),
    T(
        "switches",
        None,
        "required",
        ("required_switches", "wait_for_switch"),
        h.switches,
        "COUNT[@MAX-TIME]",
    ),
    T(
        "tasks-per-node",
        None,
        "required",
        ("tasks_per_node",),
        h.integer("tasks_per_node"),
        "old spelling of --ntasks-per-node",
    ),
    R(
        "test-only",
        None,
        "none",
        "the agent submits the job for real; to check a script, "
        "use `jg-run translate` or run sbatch --test-only on the cluster",
    ),
    T(
        "thread-spec",
        None,
        "required",
        ("thread_specification",),
        h.integer("thread_specification"),
    ),
    T("threads-per-core", None, "required", ("threads_per_core",), h.integer("threads_per_core")),
    T(
        "time",
        "t",
        "required",
        ("time_limit",),
        h.time("time_limit"),
        "seconds round up to minutes; 0, UNLIMITED and INFINITE mean no limit",
    ),
    T("time-min", None, "required", ("time_minimum",), h.time("time_minimum")),
    T("tmp", None, "required", ("temporary_disk_per_node",), h.size("temporary_disk_per_node")),
    T("tres-bind", None, "required", ("tres_bind",), h.string("tres_bind")),
    T(
        "tres-per-task",
        None,
        "required",
        ("tres_per_task",),
        h.tres_per_task,
        "on REST v0.0.40+ GPUs in it are bound per task (tres_bind=gres/gpu:per_task:N) "
        "unless --gpu-bind is given, as sbatch 23.11+ adds",
    ),
    R(
        "uid",
        None,
        "required",
        "the job runs as the Slurm user your account is mapped to, "
        "which the agent does not override; remove it",
    ),
    R("usage", None, "none", f"{_CLIENT}; remove it"),
    T("use-min-nodes", None, "none", ("flags",), h.flag("PREFER_MINIMUM_NODE_COUNT")),
    R("verbose", "v", "none", f"{_CLIENT}; remove it"),
    R("version", "V", "none", f"{_CLIENT}; remove it"),
    R(
        "wait",
        "W",
        "none",
        "the agent cannot wait for the job (it reports the job's state "
        "as it changes instead); remove it",
    ),
    T("wait-all-nodes", None, "required", ("wait_all_nodes",), h.wait_all_nodes),
    T("wckey", None, "required", ("wckey",), h.string("wckey")),
    R(
        "wrap",
        None,
        "required",
        "the submission already is a script; put the command in the script and remove --wrap",
    ),
    R("x11", None, "optional", f"{_SRUN}; remove it"),
)

BY_NAME: dict[str, OptionSpec] = {spec.name: spec for spec in OPTIONS}
BY_SHORT: dict[str, OptionSpec] = {spec.short: spec for spec in OPTIONS if spec.short}
