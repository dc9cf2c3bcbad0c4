"""The loop with the real #SBATCH translator (jobbergate_agent.slurm.sbatch), found at run time."""

from __future__ import annotations

import pytest

from jobbergate_agent.agent.components import load_translator
from jobbergate_agent.agent.pending import PendingTask
from tests.unit.agent.conftest import CLIENT_ID, add_submission

SCRIPT = """#!/bin/bash
#SBATCH --job-name=from-script
#SBATCH --comment="from the script"
#SBATCH --time=10
cat input.txt
"""


@pytest.fixture
def translator():
    translator = load_translator()
    assert translator.source == "jobbergate_agent.slurm.sbatch"
    return translator


async def test_script_options_arguments_and_files(mock, slurm, make_ctx, translator):
    sid = add_submission(
        mock,
        "real",
        script=SCRIPT,
        files={"input.txt": "data\n"},
        sbatch_arguments=["--time=5", "--mem=10M"],
    )
    outcome = await PendingTask(make_ctx(translator=translator)).run()
    assert outcome.counts["submitted"] == 1, outcome
    _, job = slurm.submitted[0]
    assert job.comment == f"jobbergate:{CLIENT_ID}:{sid} from the script"
    assert job.time_limit == 5  # sbatch_arguments apply on top of the script's lines
    assert job.memory_per_node == 10
    assert "input.txt" in (job.script or "")  # the support file travels in the script
    assert mock.submissions[sid].status == "SUBMITTED"


async def test_an_option_that_does_not_translate_is_rejected_readably(
    mock, slurm, make_ctx, translator
):
    sid = add_submission(mock, "bad", script="#!/bin/bash\n#SBATCH --time=banana\necho\n")
    await PendingTask(make_ctx(translator=translator)).run()
    row = mock.submissions[sid]
    assert row.status == "REJECTED" and slurm.calls["submit"] == 0
    assert row.report_message.startswith(
        "The batch script job.sh could not be turned into a Slurm job: "
    )
    assert "--time" in row.report_message and len(row.report_message.splitlines()) <= 2


async def test_unsupported_field_names_the_option_and_where_it_came_from(
    mock, slurm, make_ctx, translator
):
    sid = add_submission(
        mock, "gpu", script="#!/bin/bash\n#SBATCH --job-name=gpu\n#SBATCH --gres=gpu:1\necho\n"
    )
    slurm.unsupported["gpu"] = ("tres_per_node",)
    await PendingTask(make_ctx(translator=translator)).run()
    message = mock.submissions[sid].report_message
    assert mock.submissions[sid].status == "REJECTED"
    assert "tres_per_node" in message and "--gres" in message and "line 3" in message
