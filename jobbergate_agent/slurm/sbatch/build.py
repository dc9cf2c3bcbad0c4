"""From a submission (entrypoint, sbatch arguments, files) to a JobDescription.

Precedence, as sbatch has it: #SBATCH lines first, then sbatch_arguments (later wins). The
working directory is the submission's execution_directory, else --chdir, else the
DEFAULT_SLURM_WORK_DIR template. The job name is -J, else the submission's name, else the
entrypoint's file name (sbatch names a job after its script).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm import bundle
from jobbergate_agent.slurm.errors import UnsupportedJobField
from jobbergate_agent.slurm.sbatch.compose import compose
from jobbergate_agent.slurm.sbatch.directives import (
    OptionReader,
    read_header,
    split_arguments,
    split_directive,
)
from jobbergate_agent.slurm.sbatch.environment import build_environment
from jobbergate_agent.slurm.sbatch.errors import (
    Occurrence,
    Origin,
    TranslationError,
    ValueProblem,
)
from jobbergate_agent.slurm.sbatch.job_variables import job_variables
from jobbergate_agent.slurm.sbatch.state import JobState
from jobbergate_agent.slurm.types import JobDescription

# Origins of the fields the agent sets itself.
AGENT = "agent"
SUBMISSION_NAME = "submission name"
EXECUTION_DIRECTORY = "submission execution_directory"
WORK_DIR_TEMPLATE = "DEFAULT_SLURM_WORK_DIR"


@dataclass(frozen=True)
class TranslatedOption:
    text: str  # as typed, e.g. "--time=5" or "-N 2"
    origin: str  # "script line 4" or "sbatch_arguments"
    fields: tuple[str, ...]  # JobDescription fields it set (empty: overridden or no effect)
    note: str = ""


@dataclass
class BuiltJob:
    job: JobDescription
    options: list[TranslatedOption]
    # field -> where it came from when the agent set it (not an option)
    agent_fields: dict[str, str] = field(default_factory=dict)

    def options_for(self, field_name: str) -> list[TranslatedOption]:
        return [opt for opt in self.options if field_name in opt.fields]

    def origin_of(self, field_name: str) -> str | None:
        """Where a field came from: "script line 4", "sbatch_arguments", or what the agent
        used (e.g. "submission execution_directory"); None for a field not set."""
        options = self.options_for(field_name)
        if options:
            return options[-1].origin
        return self.agent_fields.get(field_name)


def build_job(
    entrypoint_name: str,
    entrypoint: bytes,
    *,
    sbatch_arguments: Sequence[str] = (),
    support_files: Mapping[str, bytes] = {},  # read only
    username: str,
    execution_directory: str | None = None,
    job_name: str | None = None,
    settings: Settings,
    file_modes: Mapping[str, int] | None = None,
) -> BuiltJob:
    script = _decode(entrypoint_name, entrypoint)
    header = read_header(script)
    state = JobState()
    _read_options(state, header, sbatch_arguments)
    if header.pbs_lines and not state.has("ignore_pbs"):
        raise TranslationError(
            f"#PBS directive on line {header.pbs_lines[0]}: the agent reads only #SBATCH "
            "lines; convert it to #SBATCH, or add --ignore-pbs to accept that it is ignored",
            origin=str(Origin(header.pbs_lines[0])),
        )
    composition = compose(state)
    fields: dict[str, Any] = dict(composition.fields)
    sources = {name: list(occs) for name, occs in composition.sources.items()}
    agent_fields: dict[str, str] = {}

    if "name" not in fields:
        fields["name"] = job_name or entrypoint_name.rsplit("/", 1)[-1]
        agent_fields["name"] = SUBMISSION_NAME if job_name else "entrypoint file name"

    workdir, workdir_origin = _working_directory(state, execution_directory, username, settings)
    fields["current_working_directory"] = workdir
    if workdir_origin is None:
        chdir = state.origin("chdir")
        assert chdir is not None
        sources["current_working_directory"] = [chdir]
    else:
        agent_fields["current_working_directory"] = workdir_origin
        if state.origin("chdir") is not None:
            chdir = state.origin("chdir")
            assert chdir is not None
            state.notes[chdir.index] = "overridden by the submission's execution_directory"

    _standard_streams(fields, agent_fields, workdir)

    home = _template(settings.JOB_HOME_TEMPLATE, username, "JOB_HOME_TEMPLATE")
    fields["environment"] = build_environment(
        settings.JOB_BASE_ENVIRONMENT,
        username,
        home,
        state.get("export"),
        state.origin("export"),
        bool(state.get("get_user_env")),
    )
    # What sbatch exports for its options, and the directory it would have been run from.
    variables = job_variables(state, fields)
    variables["SLURM_SUBMIT_DIR"] = workdir
    fields["environment"] = {**fields["environment"], **variables}
    env_sources = [occ for occ in (state.origin("export"), state.origin("get_user_env")) if occ]
    if env_sources:
        sources["environment"] = env_sources
    else:
        agent_fields["environment"] = "JOB_BASE_ENVIRONMENT"

    fields["script"] = _script(
        script,
        header,
        entrypoint_name,
        entrypoint,
        sbatch_arguments,
        support_files,
        file_modes,
        workdir,
        settings,
    )
    agent_fields["script"] = AGENT
    job = JobDescription(**fields)
    return BuiltJob(job=job, options=_translated(state, sources), agent_fields=agent_fields)


def _decode(name: str, entrypoint: bytes) -> str:
    try:
        return entrypoint.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TranslationError(
            f"the entrypoint {name} is not UTF-8 text (byte {error.start}); save it as UTF-8"
        ) from None


def _read_options(state: JobState, header: Any, sbatch_arguments: Sequence[str]) -> None:
    index = 0
    sets: list[tuple[Origin, list[str]]] = [
        (Origin(line.number), split_directive(line)) for line in header.directives
    ]
    sets.append((Origin(), split_arguments(sbatch_arguments)))
    for origin, words in sets:
        reader = OptionReader(origin, index)
        for spec, occ in reader.read(words):
            state.occurrences.append(occ)
            if spec.status == "rejected" or spec.handler is None:
                raise occ.unsupported(spec.note)
            try:
                spec.handler(state, occ)
            except ValueProblem as problem:
                raise occ.invalid(str(problem)) from None
        index = reader.index


STREAMS = ("standard_input", "standard_output", "standard_error")


def _standard_streams(fields: dict[str, Any], agent_fields: dict[str, str], workdir: str) -> None:
    """As sbatch: stdin is /dev/null unless -i names a file, and relative -i/-o/-e names are
    made absolute against the job's working directory (sbatch 26.05 does it itself; older
    slurmctlds resolve them against the same directory, so the job is the same)."""
    if "standard_input" not in fields:
        fields["standard_input"] = "/dev/null"
        agent_fields["standard_input"] = "sbatch's default (no --input)"
    for key in STREAMS:
        value = fields.get(key)
        if isinstance(value, str) and value and not value.startswith("/"):
            fields[key] = f"{workdir.rstrip('/')}/{value}"


def _template(template: str, username: str, setting: str) -> str:
    try:
        return template.format(username=username)
    except (KeyError, IndexError, ValueError):
        raise TranslationError(
            f"the setting {setting} ({template!r}) may only use the "
            "placeholder {username}; fix the agent's configuration"
        ) from None


def _working_directory(
    state: JobState, execution_directory: str | None, username: str, settings: Settings
) -> tuple[str, str | None]:
    """The directory and, unless it came from --chdir, where the agent took it from."""
    if execution_directory:
        if not execution_directory.startswith("/"):
            raise TranslationError(
                f"the submission's execution_directory '{execution_directory}' is not an "
                "absolute path; give a full path such as /home/<user>/run1"
            )
        return execution_directory, EXECUTION_DIRECTORY
    if state.has("chdir"):
        return state.get("chdir"), None
    directory = _template(settings.DEFAULT_SLURM_WORK_DIR, username, "DEFAULT_SLURM_WORK_DIR")
    if not directory.startswith("/"):
        raise TranslationError(
            f"DEFAULT_SLURM_WORK_DIR gives '{directory}', which is not "
            "absolute; fix the agent's configuration"
        )
    return directory, WORK_DIR_TEMPLATE


def _script(
    script: str,
    header: Any,
    entrypoint_name: str,
    entrypoint: bytes,
    sbatch_arguments: Sequence[str],
    support_files: Mapping[str, bytes],
    file_modes: Mapping[str, int] | None,
    workdir: str,
    settings: Settings,
) -> str:
    if not settings.WRITE_SUBMISSION_FILES:
        if support_files:
            names = ", ".join(sorted(support_files))
            raise TranslationError(
                f"this agent does not deliver files (WRITE_SUBMISSION_FILES=false): the site "
                f"stages files itself, so the support files ({names}) cannot be sent; "
                "submit the entrypoint alone or ask the site how to stage files"
            )
        result = script
    else:
        lines = [line.text for line in header.directives]
        if sbatch_arguments:
            lines.append("# sbatch_arguments: " + shlex.join(sbatch_arguments))
        try:
            result = bundle.make_wrapper(
                working_directory=workdir,
                entrypoint_name=entrypoint_name,
                entrypoint=entrypoint,
                support_files=support_files,
                modes=file_modes,
                header_lines=lines,
            )
        except bundle.BundleError as error:
            raise TranslationError(str(error)) from None
    size = len(result.encode("utf-8"))
    if size > settings.MAX_BATCH_SCRIPT_BYTES:
        raise TranslationError(
            f"the batch script would be {size} bytes (entrypoint and support files, "
            f"base64-encoded), over the limit of {settings.MAX_BATCH_SCRIPT_BYTES} bytes "
            "(MAX_BATCH_SCRIPT_BYTES); put large inputs on the cluster's filesystem and "
            "read them from there"
        )
    if not result.strip():
        raise TranslationError(
            f"the entrypoint {entrypoint_name} is empty; Slurm refuses an empty batch script"
        )
    return result


def _translated(state: JobState, sources: dict[str, list[Occurrence]]) -> list[TranslatedOption]:
    fields_of: dict[int, list[str]] = {}
    for field_name, occs in sources.items():
        for occ in occs:
            names = fields_of.setdefault(occ.index, [])
            if field_name not in names:
                names.append(field_name)
    result = []
    for occ in state.occurrences:
        set_fields = tuple(fields_of.get(occ.index, ()))
        note = state.notes.get(occ.index, "")
        if not set_fields and not note:
            later = [o for o in state.occurrences if o.name == occ.name and o.index > occ.index]
            note = f"overridden by {later[-1].describe()}" if later else "no effect"
        result.append(TranslatedOption(occ.text, str(occ.origin), set_fields, note))
    return result


def describe_unsupported(built: BuiltJob, error: UnsupportedJobField) -> str:
    """An adapter's UnsupportedJobField, worded as a rejection that names the options."""
    parts = []
    for field_name in error.fields:
        # adapters may name a member, e.g. "flags=GRES_BINDING_ENFORCED"
        options = built.options_for(field_name.split("=", 1)[0])
        if options:
            given = ", ".join(f"{opt.text} ({opt.origin})" for opt in options)
            part = f"{field_name} (from {given})"
        else:
            part = f"{field_name} (set by the agent: {built.agent_fields.get(field_name, AGENT)})"
        hint = error.hints.get(field_name)
        parts.append(f"{part}: {hint}" if hint else part)
    return (
        f"this cluster's Slurm REST API {error.version} cannot express "
        + "; ".join(parts)
        + ". Remove or change those options, or ask the site to upgrade Slurm."
    )
