"""sbatch fidelity: each corpus script submitted with the real sbatch and through the agent
(translator + slurmrestd client) on every cluster and REST version of the lab; the two job
records must be equal field by field, apart from the justified differences in README.md.
An option that a REST version cannot express must be rejected by the agent, with a message
that names the option and what to do, and only the rejections listed here are expected."""

from __future__ import annotations

import pytest

from tests.fidelity.conftest import CASES, CORPUS, SuiteRun
from tests.fidelity.records import JUSTIFIED
from tests.fidelity.runner import Case

pytestmark = pytest.mark.lab

_OLDER = "needs REST v0.0.39+ (Slurm 23.02+); v0.0.38 has no such job property"
# version -> {JobDescription field: why that version cannot express it}
EXPECTED_REJECTIONS: dict[str, dict[str, str]] = {
    "v0.0.38": {
        "required_nodes": _OLDER,
        "contiguous": _OLDER,
        "overcommit": _OLDER,
        "required_switches": _OLDER,
        "wait_for_switch": _OLDER,
        "memory_binding_type": _OLDER,
        "profile": _OLDER,
        "ntasks_per_tres": _OLDER,
        "kill_warning_flags": "v0.0.38 refuses --signal=B: (it reads R:)",
    },
    "v0.0.40": {
        "oom_kill_step": "added in v0.0.42",
        "flags=STEPMGR_ENABLED": "--stepmgr: not in v0.0.40's flag list (24.05+)",
    },
    "v0.0.41": {
        "oom_kill_step": "added in v0.0.42",
        "cores_per_socket": "dropped from job_desc_msg in v0.0.41-v0.0.44",
    },
    "v0.0.42": {"cores_per_socket": "dropped from job_desc_msg in v0.0.41-v0.0.44"},
    "v0.0.43": {"cores_per_socket": "dropped from job_desc_msg in v0.0.41-v0.0.44"},
    "v0.0.44": {"cores_per_socket": "dropped from job_desc_msg in v0.0.41-v0.0.44"},
}


def test_corpus_covers_every_pair():
    assert len(CORPUS) >= 60
    pairs = {case.pair for case in CASES}
    assert len(pairs) >= 8, f"the lab serves only {sorted(pairs)}"


def test_sbatch_fidelity(case: Case, fidelity: SuiteRun):
    outcome = fidelity.outcomes[case.id]
    if case.script.refused_on(case.cluster.slurm_version):
        # this Slurm refuses the job itself: so must the agent's submission, for the reason
        # sbatch gives
        assert outcome.status == "refused", f"{case.id}: {outcome.status}: {outcome.message}"
        assert outcome.sbatch_job is None and outcome.agent_job is None
        return
    assert outcome.sbatch_job, f"{case.id}: no sbatch job: {outcome.message}"
    expected = EXPECTED_REJECTIONS.get(case.version, {})
    if outcome.status == "rejected":
        unexpected = [name for name in outcome.rejected_fields if name not in expected]
        assert not unexpected, (
            f"{case.id}: the agent rejected {unexpected}, which {case.version} should express: "
            f"{outcome.message}"
        )
        message = outcome.message
        assert case.version in message and "Remove or change" in message, message
        for name in outcome.rejected_fields:
            assert name in message, message
        # it names the option as the user wrote it and where
        assert "(script line" in message or "(sbatch_arguments" in message, message
        return
    justified = JUSTIFIED.get((case.script.stem, case.cluster.name))
    if justified is not None:
        # exactly the justified differences (README.md), no fewer and no others
        got = {d.field: (d.sbatch, d.agent) for d in outcome.differences}
        assert outcome.status == "justified", f"{case.id}: expected {justified}, got {got}"
        assert outcome.agent_job and outcome.compared > 20
        return
    assert outcome.status == "identical", (
        f"{case.id}: {outcome.status}: {outcome.message}\n"
        + "\n".join(str(d) for d in outcome.differences)
    )
    assert outcome.agent_job and outcome.compared > 20
