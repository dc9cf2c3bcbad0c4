"""The SLURM_* variables sbatch puts in a job's environment for the options it was given.

sbatch exports its options to the job (SLURM_CPUS_PER_TASK, SLURM_TRES_PER_TASK,
SLURM_NTASKS_PER_NODE, ...), and `srun` inside the job reads them back as its defaults: a job
without them runs its steps differently (e.g. one CPU per task instead of -c 2). slurmrestd
sets only some of them, and fewer in older releases, so the agent sets them all, with the
values and spellings sbatch 24.11-26.05 uses (checked against real sbatch jobs on the lab).
"""

from __future__ import annotations

from typing import Any

from jobbergate_agent.slurm.sbatch.compose import gpu_per_task_item
from jobbergate_agent.slurm.sbatch.state import JobState


def job_variables(state: JobState, fields: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}

    def put(name: str, value: Any) -> None:
        if value is not None and value is not False:
            env[name] = str(value)

    tasks = fields.get("tasks")
    put("SLURM_NTASKS", tasks)
    put("SLURM_NPROCS", tasks)
    put("SLURM_CPUS_PER_TASK", fields.get("cpus_per_task"))
    put("SLURM_NTASKS_PER_NODE", fields.get("tasks_per_node"))
    put("SLURM_NTASKS_PER_SOCKET", fields.get("tasks_per_socket"))
    put("SLURM_NTASKS_PER_CORE", fields.get("tasks_per_core"))
    put("SLURM_NTASKS_PER_GPU", state.get("ntasks_per_gpu"))
    put("SLURM_NTASKS_PER_TRES", state.get("ntasks_per_tres"))
    put("SLURM_THREADS_PER_CORE", fields.get("threads_per_core"))
    put("SLURM_MEM_PER_NODE", fields.get("memory_per_node"))
    put("SLURM_MEM_PER_CPU", fields.get("memory_per_cpu"))
    put("SLURM_MEM_PER_GPU", state.get("mem_per_gpu"))
    put("SLURM_CPUS_PER_GPU", state.get("cpus_per_gpu"))
    for key, name in (
        ("gpus", "SLURM_GPUS"),
        ("gpus_per_node", "SLURM_GPUS_PER_NODE"),
        ("gpus_per_socket", "SLURM_GPUS_PER_SOCKET"),
        ("gpus_per_task", "SLURM_GPUS_PER_TASK"),
    ):
        if state.get(key):
            put(name, ",".join(state.get(key)))
    if fields.get("tres_freq"):
        put("SLURM_GPU_FREQ", str(fields["tres_freq"]).removeprefix("gpu:"))
    put("SLURM_JOB_DEPENDENCY", fields.get("dependency"))
    put("SLURM_DISTRIBUTION", fields.get("distribution"))
    put("SLURM_DIST_PLANESIZE", fields.get("distribution_plane_size"))
    mode = fields.get("open_mode")
    put("SLURM_OPEN_MODE", {"APPEND": "a", "TRUNCATE": "t"}.get(mode) if mode else None)
    put("SLURM_OVERCOMMIT", 1 if fields.get("overcommit") else None)
    put("SLURM_NETWORK", fields.get("network"))
    put("SLURM_ACCTG_FREQ", fields.get("account_gather_frequency"))
    put("SLURM_CONTAINER", fields.get("container"))
    # sbatch passes its own scheduling priority (nice) on; the agent's equivalent is 0.
    put("SLURM_PRIO_PROCESS", 0)

    text = state.get("mem_bind_text")
    if text:
        words = [w for w in text.split(",") if w.lower() not in ("q", "quiet", "v", "verbose")]
        verbose = "VERBOSE" in (fields.get("memory_binding_type") or [])
        put("SLURM_MEM_BIND", ",".join(words))
        put("SLURM_MEM_BIND_VERBOSE", "verbose" if verbose else "quiet")

    # Since Slurm 23.11 sbatch also writes -c and --gpus-per-task into tres_per_task and
    # binds those GPUs per task; srun reads both back from these two variables.
    per_task: list[str] = []
    if fields.get("cpus_per_task"):
        per_task.append(f"cpu={fields['cpus_per_task']}")
    if state.get("tres_per_task_raw"):
        per_task.append(state.get("tres_per_task_raw"))
    gpus_per_task = state.get("gpus_per_task") or []
    per_task.extend(gpu_per_task_item(item) for item in gpus_per_task)
    put("SLURM_TRES_PER_TASK", ",".join(per_task) or None)
    binds = [fields["tres_bind"]] if fields.get("tres_bind") else []
    if gpus_per_task and not any("gres/gpu" in b for b in binds):
        count = gpus_per_task[0].rpartition(":")[2]
        binds.append(f"gres/gpu:per_task:{count}")
    put("SLURM_TRES_BIND", "+".join(binds) or None)
    return env
