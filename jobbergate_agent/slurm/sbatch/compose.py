"""From what the options asked for (JobState) to JobDescription field values.

Most options set one field. A few fields are built from several options the way sbatch's
`slurm_opt_create_job_desc` builds them (tres_per_node from --gpus-per-node and --gres, the
job flags, mail types), and a few combinations are refused as sbatch refuses them.
"""

from __future__ import annotations

from typing import Any

from jobbergate_agent.slurm.sbatch.errors import Occurrence, TranslationError
from jobbergate_agent.slurm.sbatch.state import JobState
from jobbergate_agent.slurm.sbatch.values import MAIL_ORDER

# State keys that are JobDescription fields as they are.
DIRECT = (
    "account",
    "account_gather_frequency",
    "array",
    "batch_features",
    "burst_buffer",
    "begin_time",
    "cluster_constraint",
    "comment",
    "constraints",
    "container",
    "container_id",
    "contiguous",
    "core_specification",
    "cores_per_socket",
    "cpu_frequency",
    "cpus_per_task",
    "deadline",
    "delay_boot",
    "dependency",
    "distribution",
    "distribution_plane_size",
    "standard_error",
    "excluded_nodes",
    "extra",
    "hold",
    "standard_input",
    "name",
    "licenses",
    "mail_user",
    "mcs_label",
    "memory_binding_type",
    "memory_binding",
    "minimum_cpus_per_node",
    "network",
    "nice",
    "kill_on_node_fail",
    "requeue",
    "required_nodes",
    "nodes",
    "tasks",
    "tasks_per_core",
    "tasks_per_node",
    "tasks_per_socket",
    "oom_kill_step",
    "open_mode",
    "standard_output",
    "overcommit",
    "sharing",
    "partition",
    "prefer",
    "priority",
    "profile",
    "qos",
    "reboot",
    "reservation",
    "segment_size",
    "kill_warning_signal",
    "kill_warning_delay",
    "kill_warning_flags",
    "sockets_per_node",
    "required_switches",
    "wait_for_switch",
    "thread_specification",
    "threads_per_core",
    "time_limit",
    "time_minimum",
    "temporary_disk_per_node",
    "tres_bind",
    "tres_freq",
    "wait_all_nodes",
    "wckey",
)


class Composition:
    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.sources: dict[str, list[Occurrence]] = {}

    def set(self, field: str, value: Any, *occs: Occurrence | None) -> None:
        self.fields[field] = value
        self.sources[field] = [occ for occ in occs if occ is not None]


def _conflict(first: Occurrence, second: Occurrence, advice: str) -> TranslationError:
    return TranslationError(
        f"{first.describe()} and {second.describe()} are mutually exclusive in sbatch; {advice}",
        option=second.text,
        origin=str(second.origin),
    )


def _only_one(state: JobState, names: tuple[str, ...], advice: str) -> None:
    given = [occs[-1] for name in names if (occs := state.seen(name))]
    if len(given) > 1:
        raise _conflict(given[0], given[1], advice)


def compose(state: JobState) -> Composition:
    out = Composition()
    _check_combinations(state)
    for key in DIRECT:
        if state.has(key):
            out.set(key, state.get(key), state.origin(key))

    # memory: sbatch allows one of --mem, --mem-per-cpu, --mem-per-gpu
    for key, field in (("mem", "memory_per_node"), ("mem_per_cpu", "memory_per_cpu")):
        if state.has(key):
            out.set(field, state.get(key), state.origin(key))
    if state.has("mem_per_gpu"):
        out.set(
            "memory_per_tres", f"gres/gpu:{state.get('mem_per_gpu')}", state.origin("mem_per_gpu")
        )
    if state.has("cpus_per_gpu"):
        out.set(
            "cpus_per_tres", f"gres/gpu:{state.get('cpus_per_gpu')}", state.origin("cpus_per_gpu")
        )

    _tres(state, out)
    _flags(state, out)

    mail = state.members("mail_type")
    if mail:
        out.set("mail_type", [m for m in MAIL_ORDER if m in mail], *mail.values())

    ntasks_per_tres = state.get("ntasks_per_tres", state.get("ntasks_per_gpu"))
    if ntasks_per_tres is not None:
        out.set(
            "ntasks_per_tres",
            ntasks_per_tres,
            state.origin("ntasks_per_tres") or state.origin("ntasks_per_gpu"),
        )

    _tasks_from_layout(state, out)
    _tasks_from_gpus(state, out)

    # --hold wins over --priority, as in sbatch (a held job has priority 0).
    if state.get("hold") and "priority" in out.fields:
        del out.fields["priority"]
        priority = state.origin("priority")
        if priority is not None:
            state.notes[priority.index] = "overridden by --hold (a held job has priority 0)"
        out.sources.pop("priority", None)
    return out


def _tasks_from_layout(state: JobState, out: Composition) -> None:
    """sbatch's "massage the numbers" (_opt_verify): with -B, or a fixed --nodes, and no -n or
    --ntasks-per-node, the task count is nodes x sockets x cores x threads (those given), and
    counts as requested (the job gets EXACT_TASK_COUNT_REQUESTED). Measured on 24.11/26.05:
    -B 1:2 is 2 tasks, -N 1 --sockets-per-node=2 too; --sockets-per-node alone is not."""
    if "tasks" in out.fields or state.has("tasks_per_node"):
        return
    extra = state.seen("extra-node-info")
    nodes = state.get("nodes")
    low, _, high = str(nodes or "").partition("-")
    fixed = nodes is not None and (not high or high == low or high == "0")
    if not (extra or fixed):
        return
    keys = [k for k in ("sockets_per_node", "cores_per_socket", "threads_per_core") if state.has(k)]
    if not keys:
        return
    tasks = max(int(low) if nodes is not None else 1, 1)
    for key in keys:
        tasks *= int(state.get(key))
    occs = [state.origin(k) for k in keys] + [state.origin("nodes")]
    out.set("tasks", tasks, *occs)


def _tasks_from_gpus(state: JobState, out: Composition) -> None:
    """sbatch derives the task count from --gpus and --ntasks-per-gpu when -n is not given
    (gres_job_state_validate): --gpus=2 --ntasks-per-gpu=1 is a job of 2 tasks."""
    per_gpu = out.fields.get("ntasks_per_tres")
    gpus = state.get("gpus")
    if "tasks" in out.fields or not per_gpu or not gpus:
        return
    total = sum(int(item.rpartition(":")[2]) for item in gpus)
    out.set(
        "tasks",
        total * per_gpu,
        state.origin("gpus"),
        state.origin("ntasks_per_gpu") or state.origin("ntasks_per_tres"),
    )


def _tres(state: JobState, out: Composition) -> None:
    def gpu_items(key: str) -> list[str]:
        return [f"gres/gpu:{item}" for item in state.get(key) or []]

    if state.has("gpus"):
        out.set("tres_per_job", ",".join(gpu_items("gpus")), state.origin("gpus"))
    if state.has("gpus_per_socket"):
        out.set(
            "tres_per_socket",
            ",".join(gpu_items("gpus_per_socket")),
            state.origin("gpus_per_socket"),
        )
    per_node = gpu_items("gpus_per_node")
    gres = state.get("gres")
    gpus_occ, gres_occ = state.origin("gpus_per_node"), state.origin("gres")
    if per_node and gres and "gres/gpu" in gres and gpus_occ and gres_occ:
        # sbatch 26.05: "--gpus-per-node and --gres=gpu are mutually exclusive"; 24.11
        # rejects the mix as an invalid GRES specification.
        raise _conflict(gpus_occ, gres_occ, "ask for the GPUs in one of them")
    if gres:
        per_node.append(gres)
    if per_node:
        out.set(
            "tres_per_node",
            ",".join(per_node),
            state.origin("gpus_per_node"),
            state.origin("gres") if gres else None,
        )
    per_task_raw = state.get("tres_per_task_raw")
    per_task = [per_task_raw] if per_task_raw else []
    if state.has("gpus_per_task"):
        gpus_occ = state.origin("gpus_per_task")
        if per_task_raw and "gres/gpu" in per_task_raw and gpus_occ is not None:
            tres_occ = state.origin("tres_per_task_raw")
            assert tres_occ is not None
            raise _conflict(tres_occ, gpus_occ, "give the GPUs per task in one of them")
        # sbatch (23.11+) writes --gpus-per-task=[type:]N as gres/gpu[:type]=N; a
        # --tres-per-task value is sent as written
        per_task.extend(gpu_per_task_item(item) for item in state.get("gpus_per_task"))
    if per_task:
        out.set(
            "tres_per_task",
            ",".join(per_task),
            state.origin("tres_per_task_raw"),
            state.origin("gpus_per_task"),
        )


def gpu_per_task_item(item: str) -> str:
    """--gpus-per-task=[type:]N as sbatch writes it in tres_per_task: gres/gpu[:type]=N."""
    kind, _, number = item.rpartition(":")
    return f"gres/gpu:{kind}={number}" if kind else f"gres/gpu={number}"


def _flags(state: JobState, out: Composition) -> None:
    members = state.members("flags")
    flags: list[str] = list(members)
    occs: list[Occurrence | None] = list(members.values())
    if state.has("kill_invalid_dep"):
        flags.append(state.get("kill_invalid_dep"))
        occs.append(state.origin("kill_invalid_dep"))
    if state.get("gres_flags"):
        flags.extend(state.get("gres_flags"))
        occs.append(state.origin("gres_flags"))
    if flags:
        out.set("flags", flags, *occs)


def _check_combinations(state: JobState) -> None:
    _only_one(state, ("mem", "mem-per-cpu", "mem-per-gpu"), "keep one memory option")
    _only_one(state, ("core-spec", "thread-spec"), "keep one of them")
    _only_one(state, ("cpus-per-task", "cpus-per-gpu"), "keep one of them")
    exclusive, oversubscribe = state.seen("exclusive"), state.seen("oversubscribe")
    if exclusive and oversubscribe:
        raise _conflict(exclusive[-1], oversubscribe[-1], "keep one of them")
    gpu = state.origin("ntasks_per_gpu")
    tres = state.origin("ntasks_per_tres")
    if gpu and tres and state.get("ntasks_per_gpu") != state.get("ntasks_per_tres"):
        raise _conflict(gpu, tres, "give the same value, or only one of them")
    per_gpu = gpu or tres
    if per_gpu:
        for name in ("gpus-per-task", "tres-per-task", "gpus-per-socket", "ntasks-per-node"):
            if occs := state.seen(name):
                raise _conflict(per_gpu, occs[-1], "remove one of them")
    distribution = state.get("distribution")
    if distribution and distribution.lower().startswith("arbitrary"):
        occ = state.origin("distribution")
        assert occ is not None
        if not state.has("required_nodes"):
            raise occ.cannot_use(
                "arbitrary distribution needs the node list too; add --nodelist=..."
            )
        if nodes := state.seen("nodes"):
            raise _conflict(
                nodes[-1],
                occ,
                "with arbitrary distribution the node list sets the nodes; remove --nodes",
            )
