"""The handlers of the translated sbatch options: each reads one option's value, with
sbatch's syntax, into the JobState (registry.py says which option uses which handler)."""

from __future__ import annotations

from collections.abc import Callable

from jobbergate_agent.slurm.sbatch import timespec
from jobbergate_agent.slurm.sbatch import values as v
from jobbergate_agent.slurm.sbatch.errors import Occurrence, ValueProblem
from jobbergate_agent.slurm.sbatch.state import JobState

Handler = Callable[[JobState, Occurrence], None]


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


def io_path(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        value = _val(occ)
        if not value:
            raise ValueProblem("give a file name pattern, e.g. out-%j.txt")
        state.put(key, "/dev/null" if value.lower() == "none" else value, occ)

    return handle


def time(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, v.duration_minutes(_val(occ)), occ)

    return handle


def moment(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, timespec.moment(_val(occ)), occ)

    return handle


def nodes(state: JobState, occ: Occurrence) -> None:
    low, high = v.node_count(_val(occ))
    state.put("nodes", str(low) if high is None else f"{low}-{high}", occ)


def nodelist(state: JobState, occ: Occurrence) -> None:
    value = _val(occ)
    if "/" in value:
        raise occ.cannot_use(
            "sbatch reads a value with '/' as a file of node names on the "
            "submit host, which the agent cannot read; list the nodes "
            "instead, e.g. --nodelist=node[1-3]"
        )
    state.put("required_nodes", v.host_list(value), occ)


def exclude(state: JobState, occ: Occurrence) -> None:
    state.put("excluded_nodes", v.host_list(_val(occ)), occ)


def extra_node_info(state: JobState, occ: Occurrence) -> None:
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


def distribution(state: JobState, occ: Occurrence) -> None:
    layout, plane = v.distribution_spec(_val(occ))
    state.put("distribution", layout, occ)
    if plane is not None:
        state.put("distribution_plane_size", plane, occ)
    else:
        state.drop("distribution_plane_size")


def exclusive(state: JobState, occ: Occurrence) -> None:
    value = (occ.value or "exclusive").strip().lower()
    if value not in ("exclusive", "oversubscribe", "user", "mcs", "topo"):
        raise ValueProblem("use --exclusive alone, or --exclusive=user, mcs or topo")
    state.put("sharing", value, occ)


def mail_type(state: JobState, occ: Occurrence) -> None:
    # The last --mail-type wins, as in sbatch 26.05 (22.05 and 24.11 added repeated ones
    # up; checked on the lab, tests/fidelity 064).
    state.replace("mail_type", v.mail_types(_val(occ)), occ)


def priority(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if value.upper() == "TOP":
        state.put("priority", PRIORITY_TOP, occ)
        return
    state.put("priority", v.count(value, minimum=0, maximum=PRIORITY_TOP - 1), occ)


# sbatch sends --priority=TOP as NO_VAL - 1.
PRIORITY_TOP = 0xFFFFFFFD
NICE_LIMIT = 0x80000000 - 3


def nice(state: JobState, occ: Occurrence) -> None:
    if occ.value is None:
        state.put("nice", 100, occ)
        return
    text = occ.value.strip()
    sign = -1 if text.startswith("-") else 1
    number = v.count(text.lstrip("+-"), minimum=0, maximum=NICE_LIMIT)
    state.put("nice", sign * number, occ)


def no_kill(state: JobState, occ: Occurrence) -> None:
    value = (occ.value or "set").strip().lower()
    if value == "set":
        state.put("kill_on_node_fail", False, occ)
    elif value in ("off", "no"):
        state.drop("kill_on_node_fail")
        state.notes[occ.index] = "Slurm's default (the job is killed if a node fails)"
    else:
        raise ValueProblem("use --no-kill alone, or --no-kill=off")


def kill_on_invalid_dep(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip().lower()
    if value not in ("yes", "no"):
        raise ValueProblem("use yes or no")
    state.put(
        "kill_invalid_dep",
        "KILL_INVALID_DEPENDENCY" if value == "yes" else "NO_KILL_INVALID_DEPENDENCY",
        occ,
    )


def gres_flags(state: JobState, occ: Occurrence) -> None:
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


def signal(state: JobState, occ: Occurrence) -> None:
    name, delay, flags = v.signal_spec(_val(occ))
    state.put("kill_warning_signal", name, occ)
    state.put("kill_warning_delay", delay, occ)
    if flags:
        state.put("kill_warning_flags", flags, occ)
    else:
        state.drop("kill_warning_flags")


def switches(state: JobState, occ: Occurrence) -> None:
    value = _val(occ)
    number, _, wait = value.partition("@")
    state.put("required_switches", v.count(number), occ)
    if wait:
        seconds = v.duration_seconds(wait)
        if seconds is None:
            raise ValueProblem("the time after '@' is a duration, e.g. 10 or 1:00:00")
        state.put("wait_for_switch", seconds, occ)


def delay_boot(state: JobState, occ: Occurrence) -> None:
    seconds = v.duration_seconds(_val(occ))
    if seconds is None:
        raise ValueProblem("use a duration in minutes (or MM:SS, HH:MM:SS, D-HH...)")
    state.put("delay_boot", seconds, occ)


def open_mode(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip().lower()
    if value[:1] == "a":
        state.put("open_mode", "APPEND", occ)
    elif value[:1] == "t":
        state.put("open_mode", "TRUNCATE", occ)
    else:
        raise ValueProblem("use append or truncate")


def wait_all_nodes(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if value not in ("0", "1"):
        raise ValueProblem("use 0 (start when the first node is ready) or 1 (wait for all)")
    state.put("wait_all_nodes", value == "1", occ)


def oom_kill_step(state: JobState, occ: Occurrence) -> None:
    value = "1" if occ.value is None else occ.value.strip()
    if value not in ("0", "1"):
        raise ValueProblem("use --oom-kill-step alone, or =0 or =1")
    state.put("oom_kill_step", int(value), occ)


def mem_bind(state: JobState, occ: Occurrence) -> None:
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
    state.put("mem_bind_text", text, occ)
    if mapping is not None:
        state.put("memory_binding", mapping, occ)
    else:
        state.drop("memory_binding")


def get_user_env(state: JobState, occ: Occurrence) -> None:
    if occ.value not in (None, ""):
        raise occ.cannot_use(
            "slurmrestd takes no timeout or mode for the user's login "
            "environment; use --get-user-env without a value"
        )
    state.put("get_user_env", True, occ)


def export(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if not value:
        raise ValueProblem("use ALL, NONE, or a comma list of VAR or VAR=value")
    state.put("export", value, occ)


def chdir(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if not value.startswith("/"):
        raise occ.cannot_use(
            "the agent does not run where you submitted from, so a "
            "relative directory means nothing here; give an absolute path"
        )
    state.put("chdir", value, occ)


def gpus(key: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put(key, v.gpu_counts(_val(occ)), occ)

    return handle


def gres(state: JobState, occ: Occurrence) -> None:
    value = _val(occ).strip()
    if value.lower() in ("help", "list"):
        raise occ.cannot_use("it only prints help; name the resources, e.g. --gres=gpu:1")
    if value.lower() == "none":
        state.put("gres", None, occ)
        state.notes[occ.index] = "no generic resources (sbatch sends nothing for none)"
        return
    state.put("gres", v.gres_spec(value), occ)


_TRES_PER_TASK_FORBIDDEN = ("mem", "energy", "node", "billing", "fs", "vmem", "pages", "bb")


def tres_per_task(state: JobState, occ: Occurrence) -> None:
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


def gpu_prefixed(key: str, prefix: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        value = _val(occ).strip()
        if not value:
            raise ValueProblem("give a value")
        state.put(key, f"{prefix}{value}", occ)

    return handle


def cpus_per_gpu(state: JobState, occ: Occurrence) -> None:
    state.put("cpus_per_gpu", v.count(_val(occ)), occ)


def mem_per_gpu(state: JobState, occ: Occurrence) -> None:
    state.put("mem_per_gpu", v.megabytes(_val(occ)), occ)


def profile(state: JobState, occ: Occurrence) -> None:
    state.put("profile", v.profile_spec(_val(occ)), occ)


def ignore(note: str) -> Handler:
    def handle(state: JobState, occ: Occurrence) -> None:
        state.put("ignore_pbs", True, occ)
        state.notes[occ.index] = note

    return handle
