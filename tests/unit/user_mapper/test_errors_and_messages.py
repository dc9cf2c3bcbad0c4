"""Error classes say what the loop must do; messages say who, what and where."""

from __future__ import annotations

from jobbergate_agent.user_mapper import (
    AmbiguousUserError,
    DirectoryConfigurationError,
    DirectoryUnavailableError,
    UnmappableUserError,
    UserMappingError,
    UserNotFoundError,
    unknown_slurm_user_message,
)


def test_rejections_and_transients_are_told_apart():
    not_found = UserNotFoundError("a@example.com", "at ldap://x under dc=y", "no entry")
    ambiguous = AmbiguousUserError("s@example.com", "at ldap://x", 3, ["uid=a", "uid=b", "uid=c"])
    for rejection in (not_found, ambiguous):
        assert isinstance(rejection, UnmappableUserError) and not rejection.transient
    for transient in (DirectoryUnavailableError("down"), DirectoryConfigurationError("bad pw")):
        assert isinstance(transient, UserMappingError) and transient.transient
        assert not isinstance(transient, UnmappableUserError)


def test_rejection_message_names_email_and_where():
    error = UserNotFoundError(
        "a@example.com", "as mail=a@example.com at ldap://x under dc=y", "no entry"
    )
    assert str(error) == (
        "could not map a@example.com to a Slurm user: no entry "
        "(looked up as mail=a@example.com at ldap://x under dc=y)"
    )


def test_ambiguous_message_names_the_count_and_some_entries():
    names = [f"uid=u{n}" for n in range(7)]
    error = AmbiguousUserError("s@example.com", "at ldap://x", 7, names)
    assert error.count == 7
    assert "7 directory entries carry this address" in str(error)
    assert "uid=u4, ..." in str(error) and "uid=u5" not in str(error)


def test_unknown_slurm_user_message():
    message = unknown_slurm_user_message("jane@example.com", "jdoe")
    assert message.startswith(
        "the email jane@example.com mapped to username jdoe, and jdoe does not exist on the cluster"
    )
    assert "create the account jdoe" in message
    assert "on the cluster hpc1;" in unknown_slurm_user_message("j@x.org", "j", cluster="hpc1")
