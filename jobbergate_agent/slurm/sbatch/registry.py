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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from jobbergate_agent.slurm.sbatch import values as v
from jobbergate_agent.slurm.sbatch.errors import Occurrence, ValueProblem
from jobbergate_agent.slurm.sbatch.state import JobState
from jobbergate_agent.slurm.sbatch.timespec import moment

Handler = Callable[[JobState, Occurrence], None]
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


def _val(occ: Occurrence) -> str:
    return occ.value if occ.value is not None else ""


def string(key: str, check: Callable[[str], str] | None = None) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        value = _val(occ)
        if not value.strip():
            raise ValueProblem("give a value")
        state.put(key, check(value) if check else value, occ)

    return handle


def integer(key: str, minimum: int = 1, maximum: int = 2**31 - 2) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, v.count(_val(occ), minimum=minimum, maximum=maximum), occ)

    return handle


def switch(key: str, value: object = True) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, value, occ)

    return handle


def flag(member: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.add("flags", [member], occ)

    return handle


def size(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, v.megabytes(_val(occ)), occ)

    return handle


def _io_path(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        value = _val(occ)
        if not value:
            raise ValueProblem("give a file name pattern, e.g. out-%j.txt")
        state.put(key, "/dev/null" if value.lower() == "none" else value, occ)

    return handle


def _time(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, v.duration_minutes(_val(occ)), occ)

    return handle


def _moment(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, moment(_val(occ)), occ)

    return handle


def _nodes(state: JobState, occ: Occurrence) -> None:
    low, high = v.node_count(_val(occ))
    state.put("nodes", str(low) if high is None else f"{low}-{high}", occ)


def _nodelist(state: JobState, occ: Occurrence) -> None:
    value = _val(occ)
    if "/" in value:
        raise occ.cannot_use(
            "sbatch reads a value with '/' as a file of node names on the "
            "submit host, which the agent cannot read; list the nodes "
            "instead, e.g. --nodelist=node[1-3]"
        )
    state.put("required_nodes", v.host_list(value), occ)


def _exclude(state: JobState, occ: Occurrence) -> None:
    state.put("excluded_nodes", v.host_list(_val(occ)), occ)


def _extra_node_info(state: JobState, occ: Occurrence) -> None:
    parts = _val(occ).split(":")
    if not 1 <= len(parts) <= 3:
        raise ValueProblem("use SOCKETS[:CORES[:THREADS]], each a number or *")
    for key, part in zip(
        ("sockets_per_node", "cores_per_socket", "threads_per_core"), parts, strict=False
    ):
        if part.strip() == "*":
            state.drop(key)
            continue
        try:
            state.put(key, v.count(part), occ)
        except ValueProblem:
            raise ValueProblem("use SOCKETS[:CORES[:THREADS]], each a number or *") from None


def _distribution(state: JobState, occ: Occurrence) -> None:
    layout, plane = v.distribution_spec(_val(occ))
    state.put("distribution", layout, occ)
    if plane is not None:
        state.put("distribution_plane_size", plane, occ)
    else:
        state.drop("distribution_plane_size")


def _exclusive(state: JobState, occ: Occurrence) -> None:
    value = (occ.value or "exclusive").strip().lower()
    if value not in ("exclusive", "oversubscribe", "user", "mcs", "topo"):
        raise ValueProblem("use --exclusive alone, or --exclusive=user, mcs or topo")
    state.put("sharing", value, occ)


def _mail_type(state: JobState, occ: Occurrence) -> None:
    state.add("mail_type", v.mail_types(_val(occ)), occ)
    state.put("mail_type_given", True, occ)


def _priority(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if value.upper() == "TOP":
        state.put("priority", PRIORITY_TOP, occ)
        return
    state.put("priority", v.count(value, minimum=0, maximum=PRIORITY_TOP - 1), occ)


# sbatch sends --priority=TOP as NO_VAL - 1.
PRIORITY_TOP = 0xFFFFFFFD
NICE_LIMIT = 0x80000000 - 3


def _nice(state: JobState, occ: Occurrence) -> None:
    if occ.value is None:
        state.put("nice", 100, occ)
        return
    text = occ.value.strip()
    sign = -1 if text.startswith("-") else 1
    number = v.count(text.lstrip("+-"), minimum=0, maximum=NICE_LIMIT)
    state.put("nice", sign * number, occ)


def _no_kill(state: JobState, occ: Occurrence) -> None:
    value = (occ.value or "set").strip().lower()
    if value == "set":
        state.put("kill_on_node_fail", False, occ)
    elif value in ("off", "no"):
        state.drop("kill_on_node_fail")
        state.notes[occ.index] = "Slurm's default (the job is killed if a node fails)"
    else:
        raise ValueProblem("use --no-kill alone, or --no-kill=off")


def _kill_on_invalid_dep(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip().lower()
    if value not in ("yes", "no"):
        raise ValueProblem("use yes or no")
    state.put(
        "kill_invalid_dep",
        "KILL_INVALID_DEPENDENCY" if value == "yes" else "NO_KILL_INVALID_DEPENDENCY",
        occ,
    )


def _gres_flags(state: JobState, occ: Occurrence) -> None:
    known = {"disable-binding": "GRES_BINDING_DISABLED", "enforce-binding": "GRES_BINDING_ENFORCED"}
    members = []
    for token in _val(occ).split(","):
        token = token.strip().lower()
        if token in ("multiple-tasks-per-sharing", "one-task-per-sharing", "allow-task-sharing"):
            raise occ.cannot_use(
                f"{token} cannot be sent through every slurmrestd version "
                "the agent speaks; use disable-binding or enforce-binding, "
                "or set it in the cluster's SelectTypeParameters"
            )
        if token not in known:
            raise ValueProblem("use disable-binding or enforce-binding")
        members.append(known[token])
    if len(set(members)) > 1:
        raise ValueProblem("disable-binding and enforce-binding are mutually exclusive")
    state.put("gres_flags", members, occ)


def _signal(state: JobState, occ: Occurrence) -> None:
    name, delay, flags = v.signal_spec(_val(occ))
    state.put("kill_warning_signal", name, occ)
    state.put("kill_warning_delay", delay, occ)
    if flags:
        state.put("kill_warning_flags", flags, occ)
    else:
        state.drop("kill_warning_flags")


def _switches(state: JobState, occ: Occurrence) -> None:
    value = _val(occ)
    number, _, wait = value.partition("@")
    state.put("required_switches", v.count(number), occ)
    if wait:
        seconds = v.duration_seconds(wait)
        if seconds is None:
            raise ValueProblem("the time after '@' is a duration, e.g. 10 or 1:00:00")
        state.put("wait_for_switch", seconds, occ)


def _delay_boot(state: JobState, occ: Occurrence) -> None:
    seconds = v.duration_seconds(_val(occ))
    if seconds is None:
        raise ValueProblem("use a duration in minutes (or MM:SS, HH:MM:SS, D-HH...)")
    state.put("delay_boot", seconds, occ)


def _open_mode(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip().lower()
    if value[:1] == "a":
        state.put("open_mode", "APPEND", occ)
    elif value[:1] == "t":
        state.put("open_mode", "TRUNCATE", occ)
    else:
        raise ValueProblem("use append or truncate")


def _wait_all_nodes(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if value not in ("0", "1"):
        raise ValueProblem("use 0 (start when the first node is ready) or 1 (wait for all)")
    state.put("wait_all_nodes", value == "1", occ)


def _oom_kill_step(state: JobState, occ: Occurrence) -> None:
    value = "1" if occ.value is None else occ.value.strip()
    if value not in ("0", "1"):
        raise ValueProblem("use --oom-kill-step alone, or =0 or =1")
    state.put("oom_kill_step", int(value), occ)


def _mem_bind(state: JobState, occ: Occurrence) -> None:
    """Slurm's `slurm_verify_mem_bind`: [{quiet|verbose},]{none|rank|local|prefer|sort|
    map_mem:<list>|mask_mem:<list>}."""
    text = _val(occ).strip()
    types: list[str] = []
    mapping: str | None = None
    rest = text
    while rest:
        low = rest.lower()
        if low.startswith(("map_mem:", "mask_mem:")):
            kind, mapping = rest.split(":", 1)
            types.append("MAP" if kind.lower() == "map_mem" else "MASK")
            if not mapping:
                raise ValueProblem("give the list after map_mem: or mask_mem:")
            break
        token, _, rest = rest.partition(",")
        word = token.strip().lower()
        table = {
            "q": None,
            "quiet": None,
            "v": "VERBOSE",
            "verbose": "VERBOSE",
            "no": "NONE",
            "none": "NONE",
            "rank": "RANK",
            "local": "LOCAL",
            "p": "PREFER",
            "prefer": "PREFER",
            "sort": "SORT",
        }
        if word not in table:
            raise ValueProblem(
                "use [quiet|verbose,]none, rank, local, prefer, sort, map_mem:LIST or mask_mem:LIST"
            )
        member = table[word]
        if member:
            types.append(member)
    state.put("memory_binding_type", types, occ)
    if mapping is not None:
        state.put("memory_binding", mapping, occ)
    else:
        state.drop("memory_binding")


def _get_user_env(state: JobState, occ: Occurrence) -> None:
    if occ.value not in (None, ""):
        raise occ.cannot_use(
            "slurmrestd takes no timeout or mode for the user's login "
            "environment; use --get-user-env without a value"
        )
    state.put("get_user_env", True, occ)


def _export(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if not value:
        raise ValueProblem("use ALL, NONE, or a comma list of VAR or VAR=value")
    state.put("export", value, occ)


def _chdir(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if not value.startswith("/"):
        raise occ.cannot_use(
            "the agent does not run where you submitted from, so a "
            "relative directory means nothing here; give an absolute path"
        )
    state.put("chdir", value, occ)


def _gpus(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, v.gpu_counts(_val(occ)), occ)

    return handle


def _gres(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if value.lower() in ("help", "list"):
        raise occ.cannot_use("it only prints help; name the resources, e.g. --gres=gpu:1")
    if value.lower() == "none":
        state.put("gres", None, occ)
        state.notes[occ.index] = "no generic resources (sbatch sends nothing for none)"
        return
    state.put("gres", v.gres_spec(value), occ)


_TRES_PER_TASK_FORBIDDEN = ("mem", "energy", "node", "billing", "fs", "vmem", "pages", "bb")


def _tres_per_task(state: JobState, occ: Occurrence) -> None:
    items = []
    for raw in _val(occ).split(","):
        item = raw.strip()
        for kind in ("gres", "license"):
            if item.startswith(f"{kind}:"):
                item = f"{kind}/" + item[len(kind) + 1 :]
        if not item or any(item.lower().startswith(bad) for bad in _TRES_PER_TASK_FORBIDDEN):
            raise ValueProblem(
                "use TRES=COUNT items such as cpu=2 or gres/gpu=1; mem, "
                "energy, node, billing, fs, vmem, pages and bb are not "
                "allowed per task"
            )
        items.append(item)
    state.put("tres_per_task_raw", ",".join(items), occ)


def _gpu_prefixed(key: str, prefix: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        value = _val(occ).strip()
        if not value:
            raise ValueProblem("give a value")
        state.put(key, f"{prefix}{value}", occ)

    return handle


def _cpus_per_gpu(state: JobState, occ: Occurrence) -> None:
    state.put("cpus_per_gpu", v.count(_val(occ)), occ)


def _mem_per_gpu(state: JobState, occ: Occurrence) -> None:
    state.put("mem_per_gpu", v.megabytes(_val(occ)), occ)


def _profile(state: JobState, occ: Occurrence) -> None:
    state.put("profile", v.profile_spec(_val(occ)), occ)


def _ignore(note: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put("ignore_pbs", True, occ)
        state.notes[occ.index] = note

    return handle


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

OPTIONS: tuple[OptionSpec, ...] = (
    T("account", "A", "required", ("account",), string("account")),
    T(
        "acctg-freq",
        None,
        "required",
        ("account_gather_frequency",),
        string("account_gather_frequency"),
    ),
    T("array", "a", "required", ("array",), string("array", v.array_spec)),
    R("autocomplete", None, "required", f"{_CLIENT}; remove it"),
    T("batch", None, "required", ("batch_features",), string("batch_features")),
    T("bb", None, "required", ("burst_buffer",), string("burst_buffer")),
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
        _moment("begin_time"),
        "times are read in the agent's time zone (docs/environment.md)",
    ),
    T(
        "chdir",
        "D",
        "required",
        ("current_working_directory",),
        _chdir,
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
        string("cluster_constraint"),
    ),
    R(
        "clusters",
        "M",
        "required",
        "the agent submits to the one cluster its slurmrestd "
        "serves; remove it, or register the job with the agent of the other cluster",
    ),
    T("comment", None, "required", ("comment",), string("comment")),
    T("constraint", "C", "required", ("constraints",), string("constraints")),
    T("container", None, "required", ("container",), string("container")),
    T("container-id", None, "required", ("container_id",), string("container_id")),
    R(
        "context",
        None,
        "required",
        "the SELinux context cannot be sent through slurmrestd by the agent; remove it",
    ),
    T("contiguous", None, "none", ("contiguous",), switch("contiguous")),
    T(
        "core-spec",
        "S",
        "required",
        ("core_specification",),
        integer("core_specification", minimum=0),
    ),
    T(
        "cores-per-socket",
        None,
        "required",
        ("cores_per_socket",),
        integer("cores_per_socket"),
        "REST v0.0.41 to v0.0.44 cannot carry it (Slurm dropped the field); the job is then "
        "rejected with that explanation",
    ),
    R(
        "cpu-bind",
        None,
        "required",
        f"{_SRUN}; use `srun --cpu-bind=...` inside the script (or export SLURM_CPU_BIND there)",
    ),
    T("cpu-freq", None, "required", ("cpu_frequency",), string("cpu_frequency", v.cpu_freq_spec)),
    T(
        "cpus-per-gpu",
        None,
        "required",
        ("cpus_per_tres",),
        _cpus_per_gpu,
        "sent as cpus_per_tres=gres/gpu:N, as sbatch does",
    ),
    T("cpus-per-task", "c", "required", ("cpus_per_task",), integer("cpus_per_task")),
    T(
        "deadline",
        None,
        "required",
        ("deadline",),
        _moment("deadline"),
        "times are read in the agent's time zone (docs/environment.md)",
    ),
    T("delay-boot", None, "required", ("delay_boot",), _delay_boot, "minutes -> seconds"),
    T("dependency", "d", "required", ("dependency",), string("dependency", v.dependency_spec)),
    T("distribution", "m", "required", ("distribution", "distribution_plane_size"), _distribution),
    T(
        "error",
        "e",
        "required",
        ("standard_error",),
        _io_path("standard_error"),
        "none means /dev/null, as in sbatch",
    ),
    T("exclude", "x", "required", ("excluded_nodes",), _exclude),
    T(
        "exclusive",
        None,
        "optional",
        ("sharing",),
        _exclusive,
        "--exclusive[=user|mcs|topo]; sent as exclusive/oversubscribe or shared per version",
    ),
    T(
        "export",
        None,
        "required",
        ("environment",),
        _export,
        "see docs/environment.md: ALL means the agent's base environment",
    ),
    R(
        "export-file",
        None,
        "required",
        "it reads a file on the submit host, which the agent "
        "cannot do; list the variables with --export=VAR=value,... instead",
    ),
    T("extra", None, "required", ("extra",), string("extra")),
    T(
        "extra-node-info",
        "B",
        "required",
        ("sockets_per_node", "cores_per_socket", "threads_per_core"),
        _extra_node_info,
        "S[:C[:T]], * leaves a level unset",
    ),
    T(
        "get-user-env",
        None,
        "optional",
        ("environment",),
        _get_user_env,
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
        _gpu_prefixed("tres_bind", "gres/gpu:"),
        "sent as tres_bind=gres/gpu:VALUE, as sbatch does",
    ),
    T(
        "gpu-freq",
        None,
        "required",
        ("tres_freq",),
        _gpu_prefixed("tres_freq", "gpu:"),
        "sent as tres_freq=gpu:VALUE, as sbatch does",
    ),
    T(
        "gpus",
        "G",
        "required",
        ("tres_per_job",),
        _gpus("gpus"),
        "sent as tres_per_job=gres/gpu:[TYPE:]N",
    ),
    T(
        "gpus-per-node",
        None,
        "required",
        ("tres_per_node",),
        _gpus("gpus_per_node"),
        "sent as tres_per_node=gres/gpu:[TYPE:]N (before any --gres)",
    ),
    T(
        "gpus-per-socket",
        None,
        "required",
        ("tres_per_socket",),
        _gpus("gpus_per_socket"),
        "sent as tres_per_socket=gres/gpu:[TYPE:]N",
    ),
    T(
        "gpus-per-task",
        None,
        "required",
        ("tres_per_task",),
        _gpus("gpus_per_task"),
        "sent as tres_per_task=gres/gpu:[TYPE:]N",
    ),
    T(
        "gres",
        None,
        "required",
        ("tres_per_node",),
        _gres,
        "gpu:2 becomes tres_per_node=gres/gpu:2; none sends nothing",
    ),
    T(
        "gres-flags",
        None,
        "required",
        ("flags",),
        _gres_flags,
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
    T("hold", "H", "none", ("hold",), switch("hold"), "wins over --priority, as in sbatch"),
    T(
        "ignore-pbs",
        None,
        "none",
        (),
        _ignore("#PBS lines are not read anyway"),
        "accepted; the agent never reads #PBS lines (a script with #PBS directives needs it)",
    ),
    R("immediate", "I", "optional", f"{_SRUN}; remove it"),
    T(
        "input",
        "i",
        "required",
        ("standard_input",),
        _io_path("standard_input"),
        "none means /dev/null",
    ),
    T(
        "job-name",
        "J",
        "required",
        ("name",),
        string("name"),
        "without it the submission's name is the job name",
    ),
    T(
        "kill-on-invalid-dep",
        None,
        "required",
        ("flags",),
        _kill_on_invalid_dep,
        "yes|no -> job flag (NO_)KILL_INVALID_DEPENDENCY",
    ),
    T("licenses", "L", "required", ("licenses",), string("licenses")),
    T(
        "mail-type",
        None,
        "required",
        ("mail_type",),
        _mail_type,
        "repeated options add up, as in sbatch; TIME_LIMIT_90 is sent as TIME=90%, etc.",
    ),
    T("mail-user", None, "required", ("mail_user",), string("mail_user")),
    T("mcs-label", None, "required", ("mcs_label",), string("mcs_label")),
    T(
        "mem",
        None,
        "required",
        ("memory_per_node",),
        size("mem"),
        "MB by default, K/M/G/T suffixes, rounded up; 0 means all the node's memory",
    ),
    T("mem-bind", None, "required", ("memory_binding_type", "memory_binding"), _mem_bind),
    T("mem-per-cpu", None, "required", ("memory_per_cpu",), size("mem_per_cpu")),
    T(
        "mem-per-gpu",
        None,
        "required",
        ("memory_per_tres",),
        _mem_per_gpu,
        "sent as memory_per_tres=gres/gpu:MB, as sbatch does",
    ),
    T("mincpus", None, "required", ("minimum_cpus_per_node",), integer("minimum_cpus_per_node")),
    T("network", None, "required", ("network",), string("network")),
    T("nice", None, "optional", ("nice",), _nice, "100 when given without a value"),
    T(
        "no-kill",
        "k",
        "optional",
        ("kill_on_node_fail",),
        _no_kill,
        "kill_on_node_fail=false; --no-kill=off keeps Slurm's default",
    ),
    T("no-requeue", None, "none", ("requeue",), switch("requeue", False)),
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
        _nodelist,
        "host lists such as n[1-3],gpu01; the file-name form is rejected",
    ),
    T("nodes", "N", "required", ("nodes",), _nodes, "N or MIN-MAX"),
    T("ntasks", "n", "required", ("tasks",), integer("tasks")),
    T("ntasks-per-core", None, "required", ("tasks_per_core",), integer("tasks_per_core")),
    T("ntasks-per-gpu", None, "required", ("ntasks_per_tres",), integer("ntasks_per_gpu")),
    T("ntasks-per-node", None, "required", ("tasks_per_node",), integer("tasks_per_node")),
    T("ntasks-per-socket", None, "required", ("tasks_per_socket",), integer("tasks_per_socket")),
    T("ntasks-per-tres", None, "required", ("ntasks_per_tres",), integer("ntasks_per_tres")),
    T(
        "oom-kill-step",
        None,
        "optional",
        ("oom_kill_step",),
        _oom_kill_step,
        "1 when given without a value",
    ),
    T("open-mode", None, "required", ("open_mode",), _open_mode),
    T(
        "output",
        "o",
        "required",
        ("standard_output",),
        _io_path("standard_output"),
        "none means /dev/null",
    ),
    T("overcommit", "O", "none", ("overcommit",), switch("overcommit")),
    T(
        "oversubscribe",
        "s",
        "none",
        ("sharing",),
        switch("sharing", "oversubscribe"),
        "mutually exclusive with --exclusive, as in sbatch",
    ),
    R(
        "parsable",
        None,
        "none",
        f"{_CLIENT} (the agent reads the job id from slurmrestd); remove it",
    ),
    T("partition", "p", "required", ("partition",), string("partition")),
    R("power", None, "required", "Slurm removed power management options; remove it"),
    T("prefer", None, "required", ("prefer",), string("prefer")),
    T("priority", None, "required", ("priority",), _priority, "a number or TOP"),
    T("profile", None, "required", ("profile",), _profile),
    R(
        "propagate",
        None,
        "optional",
        "it copies the resource limits of the submitting "
        "shell, and the agent has no shell of yours; set limits inside the script with "
        "`ulimit`",
    ),
    T("qos", "q", "required", ("qos",), string("qos")),
    R("quiet", "Q", "none", f"{_CLIENT}; remove it"),
    T("reboot", None, "none", ("reboot",), switch("reboot")),
    T("requeue", None, "none", ("requeue",), switch("requeue", True)),
    T("reservation", None, "required", ("reservation",), string("reservation")),
    T("segment", None, "required", ("segment_size",), integer("segment_size", maximum=65533)),
    T(
        "signal",
        None,
        "required",
        ("kill_warning_signal", "kill_warning_delay", "kill_warning_flags"),
        _signal,
        "[R|B:]SIG[@SECONDS]; the delay defaults to 60 s",
    ),
    T("sockets-per-node", None, "required", ("sockets_per_node",), integer("sockets_per_node")),
    T("spread-job", None, "none", ("flags",), flag("SPREAD_JOB")),
    T("stepmgr", None, "none", ("flags",), flag("STEPMGR_ENABLED")),
    T(
        "switches",
        None,
        "required",
        ("required_switches", "wait_for_switch"),
        _switches,
        "COUNT[@MAX-TIME]",
    ),
    T(
        "tasks-per-node",
        None,
        "required",
        ("tasks_per_node",),
        integer("tasks_per_node"),
        "old spelling of --ntasks-per-node",
    ),
    R(
        "test-only",
        None,
        "none",
        "the agent submits the job for real; to check a script, "
        "use `jg-run translate` or run sbatch --test-only on the cluster",
    ),
    T("thread-spec", None, "required", ("thread_specification",), integer("thread_specification")),
    T("threads-per-core", None, "required", ("threads_per_core",), integer("threads_per_core")),
    T(
        "time",
        "t",
        "required",
        ("time_limit",),
        _time("time_limit"),
        "seconds round up to minutes; 0, UNLIMITED and INFINITE mean no limit",
    ),
    T("time-min", None, "required", ("time_minimum",), _time("time_minimum")),
    T("tmp", None, "required", ("temporary_disk_per_node",), size("temporary_disk_per_node")),
    T("tres-bind", None, "required", ("tres_bind",), string("tres_bind")),
    T("tres-per-task", None, "required", ("tres_per_task",), _tres_per_task),
    R(
        "uid",
        None,
        "required",
        "the job runs as the Slurm user mapped from your Jobbergate "
        "account, which the agent does not override; remove it",
    ),
    R("usage", None, "none", f"{_CLIENT}; remove it"),
    T("use-min-nodes", None, "none", ("flags",), flag("PREFER_MINIMUM_NODE_COUNT")),
    R("verbose", "v", "none", f"{_CLIENT}; remove it"),
    R("version", "V", "none", f"{_CLIENT}; remove it"),
    R(
        "wait",
        "W",
        "none",
        "the agent cannot wait for the job (it reports the job's state "
        "to Jobbergate instead); remove it",
    ),
    T("wait-all-nodes", None, "required", ("wait_all_nodes",), _wait_all_nodes),
    T("wckey", None, "required", ("wckey",), string("wckey")),
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
