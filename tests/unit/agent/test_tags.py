from jobbergate_agent.agent.tags import (
    cluster_prefix,
    submission_id_from_comment,
    submission_tag,
    tagged_comment,
)


def test_tag_and_user_comment():
    assert submission_tag("site-a", 17) == "jobbergate:site-a:17"
    assert tagged_comment("site-a", 17, None) == "jobbergate:site-a:17"
    assert tagged_comment("site-a", 17, "  nightly run ") == "jobbergate:site-a:17 nightly run"
    assert cluster_prefix("site-a") == "jobbergate:site-a:"


def test_reading_a_tag_back():
    assert submission_id_from_comment("site-a", "jobbergate:site-a:17") == 17
    assert submission_id_from_comment("site-a", "jobbergate:site-a:17 nightly run") == 17
    assert submission_id_from_comment("site-a", "jobbergate:site-b:17") is None
    assert submission_id_from_comment("site-a", "jobbergate:site-a:17x") is None
    assert submission_id_from_comment("site-a", "my jobbergate:site-a:17") is None
    assert submission_id_from_comment("site-a", None) is None
    # a client id with regex characters is matched literally
    assert submission_id_from_comment("a.b+c", "jobbergate:a.b+c:3") == 3
    assert submission_id_from_comment("a.b+c", "jobbergate:aXb+c:3") is None
