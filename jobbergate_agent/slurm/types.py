"""Version-neutral job types: what a job asks for, and what became of it.

`JobDescription` holds what sbatch could have asked for. Its field names are those of
slurmrestd's `job_desc_msg` (v0.0.40 and later), so the newer adapters mostly reshape values,
and the v0.0.38 adapter renames. Every field is optional: an unset field is left to Slurm's
defaults, exactly as an sbatch option that was not given. A field that the negotiated version
cannot express is an error at submit time, never silently dropped.

`JobRecord` is the part of a Slurm job record that the agent reasons about, plus the whole
record as JSON text for Jobbergate's `slurm_job_info`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

INFINITE: Literal["INFINITE"] = "INFINITE"
"""Value of a numeric limit that sbatch spells UNLIMITED or INFINITE."""

Limit = int | Literal["INFINITE"]

# The state names Jobbergate accepts for `slurm_job_state` (JOBBERGATE-API.md).
JOBBERGATE_STATES: frozenset[str] = frozenset(
    """BOOT_FAIL CANCELLED COMPLETED CONFIGURING COMPLETING DEADLINE FAILED NODE_FAIL
    OUT_OF_MEMORY PENDING PREEMPTED RUNNING RESV_DEL_HOLD REQUEUE_FED REQUEUE_HOLD REQUEUED
    RESIZING REVOKED SIGNALING SPECIAL_EXIT STAGE_OUT STOPPED SUSPENDED TIMEOUT UNKNOWN""".split()  # noqa: SIM905
)
# States after which the job will not change any more.
FINAL_STATES: frozenset[str] = frozenset(
    """BOOT_FAIL CANCELLED COMPLETED DEADLINE FAILED NODE_FAIL OUT_OF_MEMORY PREEMPTED
    SPECIAL_EXIT TIMEOUT""".split()  # noqa: SIM905
)
# Slurm reports some conditions as flags next to the base state; these outrank the base
# state because Jobbergate models them as states of their own.
_FLAG_STATES = (
    "REQUEUE_FED",
    "REQUEUE_HOLD",
    "RESV_DEL_HOLD",
    "REQUEUED",
    "RESIZING",
    "REVOKED",
    "SIGNALING",
    "SPECIAL_EXIT",
    "STAGE_OUT",
    "STOPPED",
    "CONFIGURING",
    "COMPLETING",
)


def jobbergate_state(slurm_states: str | list[str] | None) -> str:
    """Collapse Slurm's state (a string up to v0.0.39, a list of base state and flags from
    v0.0.40) into the one name Jobbergate accepts. Unknown names give UNKNOWN."""
    if slurm_states is None:
        return "UNKNOWN"
    names = [slurm_states] if isinstance(slurm_states, str) else list(slurm_states)
    names = [name.upper() for name in names]
    # A finished job keeps flags such as COMPLETING only briefly; its base state rules.
    for name in names:
        if name in FINAL_STATES:
            return name
    for flag in _FLAG_STATES:
        if flag in names:
            return flag
    for name in names:
        if name in JOBBERGATE_STATES:
            return name
    return "UNKNOWN"


class JobDescription(BaseModel):
    """A batch job as sbatch would describe it; names follow `job_desc_msg`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    script: str | None = None
    name: str | None = None
    current_working_directory: str | None = None
    environment: dict[str, str] | None = None
    argv: list[str] | None = None

    # where and under which accounting
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    reservation: str | None = None
    wckey: str | None = None
    comment: str | None = None
    admin_comment: str | None = None
    extra: str | None = None
    clusters: str | None = None
    cluster_constraint: str | None = None
    constraints: str | None = None
    prefer: str | None = None
    batch_features: str | None = None
    licenses: str | None = None
    mcs_label: str | None = None
    network: str | None = None
    burst_buffer: str | None = None
    container: str | None = None
    container_id: str | None = None

    # time
    time_limit: Limit | None = None  # minutes
    time_minimum: Limit | None = None  # minutes
    begin_time: int | None = None  # epoch seconds
    deadline: int | None = None  # epoch seconds
    delay_boot: int | None = None  # seconds

    # size and layout
    nodes: str | None = None  # sbatch's -N value: "2" or "2-4"
    minimum_nodes: int | None = None
    maximum_nodes: int | None = None
    tasks: int | None = None
    cpus_per_task: int | None = None
    minimum_cpus: int | None = None
    minimum_cpus_per_node: int | None = None
    tasks_per_node: int | None = None
    tasks_per_socket: int | None = None
    tasks_per_core: int | None = None
    tasks_per_board: int | None = None
    ntasks_per_tres: int | None = None
    sockets_per_node: int | None = None
    cores_per_socket: int | None = None
    threads_per_core: int | None = None
    core_specification: int | None = None
    thread_specification: int | None = None
    distribution: str | None = None
    distribution_plane_size: int | None = None
    cpu_binding: str | None = None
    cpu_binding_flags: list[str] | None = None
    cpu_frequency: str | None = None
    memory_binding: str | None = None
    memory_binding_type: list[str] | None = None
    required_nodes: list[str] | None = None  # host names or host-list expressions
    excluded_nodes: list[str] | None = None
    required_switches: int | None = None
    wait_for_switch: int | None = None  # seconds
    contiguous: bool | None = None
    overcommit: bool | None = None
    segment_size: int | None = None

    # memory and disk (MiB); memory_per_node 0 means all of the node's memory
    memory_per_node: Limit | None = None
    memory_per_cpu: Limit | None = None
    memory_per_tres: str | None = None
    temporary_disk_per_node: int | None = None
    oom_kill_step: int | None = None

    # generic resources, in Slurm's TRES syntax (e.g. "gres/gpu:2")
    tres_per_job: str | None = None
    tres_per_node: str | None = None
    tres_per_socket: str | None = None
    tres_per_task: str | None = None
    cpus_per_tres: str | None = None
    tres_bind: str | None = None
    tres_freq: str | None = None

    # scheduling
    array: str | None = None
    dependency: str | None = None
    hold: bool | None = None
    priority: Limit | None = None
    nice: int | None = None
    requeue: bool | None = None
    reboot: bool | None = None
    immediate: bool | None = None
    kill_on_node_fail: bool | None = None
    wait_all_nodes: bool | None = None
    # "exclusive", "user", "mcs", "topo" (sbatch --exclusive[=...]) or "oversubscribe" (-s)
    sharing: Literal["exclusive", "user", "mcs", "topo", "oversubscribe"] | None = None
    flags: list[str] | None = None
    profile: list[str] | None = None
    account_gather_frequency: str | None = None
    site_factor: int | None = None

    # signals and mail
    kill_warning_signal: str | None = None
    kill_warning_delay: int | None = None  # seconds
    kill_warning_flags: list[str] | None = None  # BATCH_JOB, ARRAY_TASK, ...
    mail_type: list[str] | None = None
    mail_user: str | None = None

    # files
    standard_input: str | None = None
    standard_output: str | None = None
    standard_error: str | None = None
    open_mode: Literal["APPEND", "TRUNCATE"] | None = None

    def fields_given(self) -> dict[str, object]:
        """The fields that were set, with their values, in declaration order."""
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name in self.model_fields_set and getattr(self, name) is not None
        }


class JobStateInfo(BaseModel):
    """The light answer of a batched state query."""

    job_id: int
    state: str  # a Jobbergate state name
    slurm_states: list[str] = Field(default_factory=list)
    reason: str | None = None


class JobRecord(BaseModel):
    job_id: int
    name: str | None = None
    user_name: str | None = None
    user_id: int | None = None
    state: str  # a Jobbergate state name (see jobbergate_state)
    slurm_states: list[str] = Field(default_factory=list)
    reason: str | None = None
    exit_code: int | None = None  # the batch script's return code, when known
    exit_signal: int | None = None
    submit_time: int | None = None  # epoch seconds
    start_time: int | None = None
    end_time: int | None = None
    nodes: str | None = None
    partition: str | None = None
    working_directory: str | None = None
    standard_output: str | None = None  # the expanded path when Slurm gives one
    standard_error: str | None = None
    comment: str | None = None
    source: Literal["slurmctld", "slurmdbd"] = "slurmctld"
    raw: str = "{}"  # the record exactly as slurmrestd sent it, as JSON text

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class SubmitResult(BaseModel):
    job_id: int
    step_id: str | None = None
    user_message: str | None = None
    warnings: list[str] = Field(default_factory=list)
    # The job as slurmctld holds it right after the submit (read back to check its owner).
    record: JobRecord | None = None


class PingResult(BaseModel):
    version: str  # the REST version used
    slurm_release: str | None = None
    cluster: str | None = None
    controllers: list[str] = Field(default_factory=list)
    responding: bool = True
