"""Reading #SBATCH lines and sbatch_arguments the way sbatch does."""

from __future__ import annotations

import pytest

from jobbergate_agent.slurm.sbatch import TranslationError

from .conftest import directives, fields, make


def test_only_the_header_is_read_and_the_shebang_is_a_comment():
    script = (
        "#!/bin/bash\n\n# plain comment\n   # indented comment\n#SBATCH --time=5\n"
        "echo start\n#SBATCH --time=99\n"
    )
    built = make(script)
    assert built.job.time_limit == 5
    assert built.origin_of("time_limit") == "script line 5"
    assert [o.text for o in built.options] == ["--time=5"]


def test_a_directive_after_the_first_command_is_ignored_even_when_invalid():
    assert fields("#!/bin/sh\ntrue\n#SBATCH --no-such-option\n") == {}


def test_indented_sbatch_is_a_comment_not_a_directive():
    assert fields("#!/bin/sh\n  #SBATCH --time=5\n#SBATCH -p debug\nls\n") == {"partition": "debug"}


def test_old_slurm_magic_word_is_read_too():
    assert fields("#!/bin/sh\n#SLURM --time=7\n")["time_limit"] == 7


@pytest.mark.parametrize(
    "line, expected",
    [
        ("--time=5", 5),
        ("--time 5", 5),
        ("-t5", 5),
        ("-t 5", 5),
        ("--time=5 # trailing comment", 5),
        ("--time=5#comment", 5),
        ("'--time=5'", 5),
        ('--time="1:00:00"', 60),
    ],
)
def test_option_forms(line, expected):
    assert fields(directives(line))["time_limit"] == expected


def test_quoting_and_comments_in_values():
    built = make(directives("--comment=\"a # b\" -J 'it s' # gone", r"--wckey=a\#b"))
    assert built.job.comment == "a # b"
    assert built.job.name == "it s"
    assert built.job.wckey == "a#b"


def test_bundled_short_flags_and_attached_values():
    got = fields(directives("-Hk -N2 -n4 -c1"))
    assert got["hold"] is True and got["kill_on_node_fail"] is False
    assert (got["nodes"], got["tasks"], got["cpus_per_task"]) == ("2", 4, 1)


def test_sbatch_arguments_override_the_script_and_keep_their_origin():
    built = make(directives("--time=5", "-p debug"), ["--time=10", "-p", "long"])
    assert built.job.time_limit == 10 and built.job.partition == "long"
    assert built.origin_of("time_limit") == "sbatch_arguments"
    first = built.options[0]
    assert first.fields == () and "overridden by --time=10 (sbatch_arguments)" in first.note


@pytest.mark.parametrize(
    "args", [["--time", "5"], ["--time 5"], ["-t", "5"], ["-t5"], ["--time=5"], ["-t 5"]]
)
def test_sbatch_arguments_split_or_joined(args):
    assert fields("#!/bin/sh\n", args)["time_limit"] == 5


def test_argument_element_with_spaces_in_its_value_stays_one_word():
    assert fields("#!/bin/sh\n", ["--comment=two words"])["comment"] == "two words"
    assert fields("#!/bin/sh\n", ["-N 1 -n 2"]) == {"nodes": "1", "tasks": 2}


def test_last_one_wins_for_scalars_across_lines():
    got = fields(
        directives(
            "--partition=debug", "--partition=long", "-d singleton", "--dependency=afterok:1"
        )
    )
    assert got["partition"] == "long" and got["dependency"] == "afterok:1"


def test_the_last_mail_type_wins_like_sbatch_26_05():
    # sbatch 26.05 on the lab keeps only the last --mail-type (22.05 and 24.11 added them up:
    # a justified difference of tests/fidelity 064).
    built = make(directives("--mail-type=BEGIN", "--mail-type=end,fail"))
    assert built.job.mail_type == ["END", "FAIL"]
    assert built.options[0].note.startswith("overridden by")
    assert "mail_type" not in fields(directives("--mail-type=BEGIN", "--mail-type=NONE"))


def test_unknown_option_is_rejected_with_a_suggestion():
    with pytest.raises(TranslationError) as error:
        make(directives("--time=5", "--partiton=debug"))
    assert str(error.value) == (
        "unknown #SBATCH option --partiton on line 3: sbatch has no "
        "such option; did you mean --partition?"
    )


def test_unknown_short_option_is_rejected():
    with pytest.raises(TranslationError, match=r"unknown option -j in sbatch_arguments"):
        make("#!/bin/sh\n", ["-j", "x"])


def test_ambiguous_abbreviation_is_rejected():
    with pytest.raises(TranslationError) as error:
        make(directives("--ti=5"))
    assert str(error.value) == (
        "ambiguous #SBATCH option --ti on line 2: it could be "
        "--time, --time-min; write the option in full"
    )


def test_unambiguous_abbreviation_is_accepted_like_getopt_long():
    built = make(directives("--partit=debug"))
    assert built.job.partition == "debug"
    assert built.options[0].text == "--partit=debug"


def test_exact_name_wins_over_longer_ones():
    assert fields(directives("--mem=10"))["memory_per_node"] == 10


def test_missing_value_is_rejected():
    with pytest.raises(
        TranslationError,
        match=r"#SBATCH option --time on line 2 needs a "
        r"value",
    ):
        make(directives("--time"))


def test_value_given_to_a_flag_is_rejected():
    with pytest.raises(
        TranslationError,
        match=r"--hold on line 2 takes no value, but was "
        r"given 'yes'",
    ):
        make(directives("--hold=yes"))


def test_stray_word_is_rejected():
    with pytest.raises(TranslationError, match=r"unexpected argument 'debug' on line 2"):
        make(directives("--comment=x debug"))


def test_unbalanced_quote_is_rejected_with_the_line():
    with pytest.raises(TranslationError, match=r"unbalanced quotes in the #SBATCH line 2"):
        make(directives('--comment="open'))


def test_heterogeneous_job_separator_is_rejected():
    with pytest.raises(
        TranslationError,
        match=r"heterogeneous job separator '#SBATCH "
        r"hetjob' on line 3",
    ):
        make(directives("-n1", "hetjob", "-n2"))


def test_pbs_directives_need_ignore_pbs():
    script = "#!/bin/sh\n#PBS -l walltime=1:00:00\n#SBATCH -t 5\nls\n"
    with pytest.raises(TranslationError, match=r"#PBS directive on line 2"):
        make(script)
    built = make(script, ["--ignore-pbs"])
    assert built.job.time_limit == 5
    assert built.options[-1].note == "#PBS lines are not read anyway"


def test_double_dash_ends_options_and_nothing_may_follow():
    assert fields("#!/bin/sh\n", ["--time=5", "--"])["time_limit"] == 5
    with pytest.raises(TranslationError, match="unexpected argument 'x'"):
        make("#!/bin/sh\n", ["--", "x"])


def test_crlf_scripts_are_read():
    assert fields("#!/bin/sh\r\n#SBATCH -t 3\r\nls\r\n")["time_limit"] == 3
