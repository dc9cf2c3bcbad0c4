"""Every failure class slurmrestd can produce maps to its typed error."""

from __future__ import annotations

import json

import pytest

from jobbergate_agent.slurm.errors import (
    SlurmAuthenticationError,
    SlurmConnectionError,
    SlurmEndpointNotServed,
    SlurmInvalidResponse,
    SlurmJobNotFound,
    SlurmRejected,
)
from jobbergate_agent.slurm.transport import Response, classify, parse_error_items


def json_response(status: int, errors: list[dict], **extra) -> Response:
    data = {"errors": errors, "warnings": [], **extra}
    return Response(
        status=status, content_type="application/json", body=json.dumps(data).encode(), data=data
    )


def text_response(status: int, text: str) -> Response:
    return Response(status=status, content_type="text/plain", body=text.encode())


def test_error_items_in_every_version_shape():
    items = parse_error_items(
        {
            "errors": [
                {
                    "error_number": 2000,
                    "error": "Invalid partition name specified",
                    "description": "Job submission failed",
                    "source": "slurm_submit_batch_job()",
                },
                {"error_code": 2045, "error": "Invalid account"},  # some v0.0.38 paths
                {"errno": "2017"},
                "garbage",
            ]
        }
    )
    assert [i.error_number for i in items] == [2000, 2045, 2017]
    assert "Invalid partition name specified" in items[0].text()
    assert "(error 2000)" in items[0].text()


@pytest.mark.parametrize(
    "response",
    [
        text_response(401, "Authentication failure"),
        json_response(511, [{"error_number": 1007, "error": "Protocol authentication error"}]),
        json_response(500, [{"error_number": 1007, "error": "Protocol authentication error"}]),
        text_response(500, "Authentication failure"),  # 22.05 with a bad token
    ],
    ids=["401", "511-1007", "500-1007", "500-text"],
)
def test_authentication_failures(response):
    error = classify(response, "read job 5")
    assert isinstance(error, SlurmAuthenticationError)
    assert not error.transient
    assert "read job 5" in str(error)


def test_unknown_job_is_not_found():
    response = json_response(
        404,
        [
            {
                "error_number": 2017,
                "error": "Invalid job id specified",
                "description": "Unable to query JobId=11500",
            }
        ],
    )
    error = classify(response, "read job 11500", job_id=11500)
    assert isinstance(error, SlurmJobNotFound)
    assert error.job_id == 11500


def test_unknown_path_is_not_served():
    error = classify(text_response(404, "Unable to find requested URL endpoint."), "probe")
    assert isinstance(error, SlurmEndpointNotServed)


def test_invalid_partition_is_a_rejection_with_slurm_words():
    response = json_response(
        500,
        [
            {
                "error_number": 2000,
                "error": "Invalid partition name specified",
                "description": "Job submission failed",
            }
        ],
    )
    error = classify(response, "submit job x as alice")
    assert isinstance(error, SlurmRejected)
    assert error.error_number == 2000
    assert "Invalid partition name specified" in str(error)
    assert not error.transient


@pytest.mark.parametrize(
    "status,errors",
    [
        (502, [{"error_number": 1800, "error": "Unable to contact slurm controller"}]),
        (503, []),
        (504, []),
        (500, [{"error_number": 1801, "error": "Slurm backup controller in standby mode"}]),
    ],
)
def test_slurmctld_unreachable_is_transient(status, errors):
    response = json_response(status, errors) if errors else text_response(status, "busy")
    error = classify(response, "list jobs")
    assert isinstance(error, SlurmConnectionError)
    assert error.transient


def test_plain_text_server_error_is_invalid_response():
    error = classify(text_response(500, "Internal error"), "ping")
    assert isinstance(error, SlurmInvalidResponse)
    assert "Internal error" in str(error)
