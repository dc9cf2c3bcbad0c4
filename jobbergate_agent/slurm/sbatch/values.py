"""sbatch's value syntaxes: durations, sizes, counts, host lists, signals, mail types.

Each parser mirrors the Slurm function that sbatch uses for the option (named in the
docstring) and raises ValueProblem with a hint that says which forms are accepted.
"""

from __future__ import annotations

import re

from jobbergate_agent.slurm.sbatch.errors import ValueProblem
from jobbergate_agent.slurm.types import INFINITE, Limit

TIME_HINT = "use minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]] or UNLIMITED"
SIZE_HINT = (
    "use a whole number of megabytes, or a number with a K, M, G or T suffix (e.g. 500M, 4G)"
)

_INFINITE_WORDS = {"-1", "infinite", "unlimited"}
_DURATION = re.compile(
    r"(?:(?P<days>\d+)-(?P<dh>\d+)(?::(?P<dm>\d+)(?::(?P<ds>\d+))?)?)"  # D-H[:M[:S]]
    r"|(?:(?P<a>\d+)(?::(?P<b>\d+)(?::(?P<c>\d+))?)?)"
)  # M | M:S | H:M:S


def duration_seconds(text: str) -> int | None:
    """Slurm's `time_str2secs`: seconds, or None for UNLIMITED/INFINITE/-1."""
    value = text.strip()
    if value.lower() in _INFINITE_WORDS:
        return None
    match = _DURATION.fullmatch(value)
    if not match:
        raise ValueProblem(TIME_HINT)
    g = match.groupdict()
    if g["days"] is not None:
        return (
            int(g["days"]) * 86400
            + int(g["dh"]) * 3600
            + int(g["dm"] or 0) * 60
            + int(g["ds"] or 0)
        )
    a, b, c = g["a"], g["b"], g["c"]
    if c is not None:  # H:M:S
        return int(a) * 3600 + int(b) * 60 + int(c)
    if b is not None:  # M:S
        return int(a) * 60 + int(b)
    return int(a) * 60  # M


def duration_minutes(text: str) -> Limit:
    """Slurm's `time_str2mins` as sbatch uses it for --time and --time-min: seconds round up
    to whole minutes, and 0 means no limit, like UNLIMITED."""
    seconds = duration_seconds(text)
    if seconds is None:
        return INFINITE
    minutes = (seconds + 59) // 60
    return INFINITE if minutes == 0 else minutes


_SIZE = re.compile(r"(\d+)([KMGTkmgt]?)")


def megabytes(text: str) -> int:
    """Slurm's `str_to_mbytes`: MB by default; K rounds up to whole megabytes."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise ValueProblem(SIZE_HINT)
    number, unit = int(match.group(1)), match.group(2).upper()
    if unit == "K":
        return (number + 1023) // 1024
    return number * {"": 1, "M": 1, "G": 1024, "T": 1024 * 1024}[unit]


def count(text: str, *, minimum: int = 1, maximum: int = 2**31 - 2) -> int:
    """A whole number, as Slurm's `parse_int` wants it (positive unless stated)."""
    value = text.strip()
    if not re.fullmatch(r"[+]?\d+", value):
        raise ValueProblem(f"use a whole number (at least {minimum})")
    number = int(value)
    if number < minimum or number > maximum:
        raise ValueProblem(f"use a whole number from {minimum} to {maximum}")
    return number


def node_count(text: str) -> tuple[int, int | None]:
    """Slurm's `verify_node_count`: `N` or `MIN-MAX`."""
    match = re.fullmatch(r"(\d+)(?:-(\d+))?", text.strip())
    if not match:
        raise ValueProblem("use a node count (e.g. 2) or a range MIN-MAX (e.g. 2-4)")
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else None
    if high is not None and high < low:
        raise ValueProblem("the maximum of a node range must not be below its minimum")
    return low, high


_HOST = re.compile(r"[A-Za-z0-9_.\-]*(\[[0-9,\-]+\][A-Za-z0-9_.\-]*)*")


def host_list(text: str) -> list[str]:
    """A Slurm host list (`n[1-3],gpu01`), split at its top-level commas. sbatch reads a
    value that contains '/' as a file name; the caller rejects that form before."""
    items: list[str] = []
    depth, current = 0, ""
    for char in text.strip():
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                raise ValueProblem("a ']' has no matching '['")
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    if depth != 0:
        raise ValueProblem("a '[' has no matching ']'")
    items = [item.strip() for item in items]
    if not all(items) or not all(_HOST.fullmatch(item) for item in items):
        raise ValueProblem("use node names or ranges separated by commas, e.g. node[1-4],gpu01")
    return items


# Linux numbers; names without SIG, as Slurm's sig_name2num reads them.
SIGNALS: dict[str, int] = {
    "HUP": 1,
    "INT": 2,
    "QUIT": 3,
    "ILL": 4,
    "TRAP": 5,
    "ABRT": 6,
    "BUS": 7,
    "FPE": 8,
    "KILL": 9,
    "USR1": 10,
    "SEGV": 11,
    "USR2": 12,
    "PIPE": 13,
    "ALRM": 14,
    "TERM": 15,
    "STKFLT": 16,
    "CHLD": 17,
    "CONT": 18,
    "STOP": 19,
    "TSTP": 20,
    "TTIN": 21,
    "TTOU": 22,
    "URG": 23,
    "XCPU": 24,
    "XFSZ": 25,
    "VTALRM": 26,
    "PROF": 27,
    "WINCH": 28,
    "IO": 29,
    "PWR": 30,
    "SYS": 31,
}
_SIGNAL_HINT = "use [R|B:]SIGNAL[@SECONDS], e.g. USR1@120 or B:TERM@60"


def signal_spec(text: str) -> tuple[str, int, list[str]]:
    """Slurm's `get_signal_opts` for --signal=[{R|B}:]<sig_num>[@sig_time]: the signal as
    slurmrestd reads it (its name, or its number), the delay in seconds (default 60) and the
    kill_warning_flags (B: BATCH_JOB, R: RESERVATION_JOB)."""
    value = text.strip()
    flags: list[str] = []
    if ":" in value:
        prefix, value = value.split(":", 1)
        if not prefix or any(c not in "RBrb" for c in prefix):
            raise ValueProblem(_SIGNAL_HINT)
        if "B" in prefix.upper():
            flags.append("BATCH_JOB")
        if "R" in prefix.upper():
            flags.append("RESERVATION_JOB")
    delay = 60
    if "@" in value:
        value, when = value.split("@", 1)
        if not re.fullmatch(r"\d+", when) or int(when) > 0xFFFF:
            raise ValueProblem("the time after '@' is a number of seconds up to 65535")
        delay = int(when)
    name = value.upper().removeprefix("SIG")
    if re.fullmatch(r"\d+", name):
        number = int(name)
        if not 1 <= number <= 64:
            raise ValueProblem(_SIGNAL_HINT)
        names = [n for n, v in SIGNALS.items() if v == number]
        return (names[0] if names else str(number)), delay, flags
    if name not in SIGNALS:
        raise ValueProblem(f"unknown signal '{value}'; {_SIGNAL_HINT}")
    return name, delay, flags


# sbatch's mail types -> job_desc_msg mail_type members (v0.0.39 and later).
MAIL_TYPES: dict[str, tuple[str, ...]] = {
    "NONE": (),
    "BEGIN": ("BEGIN",),
    "END": ("END",),
    "FAIL": ("FAIL",),
    "REQUEUE": ("REQUEUE",),
    "ALL": ("BEGIN", "END", "FAIL", "REQUEUE", "STAGE_OUT", "INVALID_DEPENDENCY"),
    "INVALID_DEPEND": ("INVALID_DEPENDENCY",),
    "STAGE_OUT": ("STAGE_OUT",),
    "TIME_LIMIT": ("TIME=100%",),
    "TIME_LIMIT_90": ("TIME=90%",),
    "TIME_LIMIT_80": ("TIME=80%",),
    "TIME_LIMIT_50": ("TIME=50%",),
    "ARRAY_TASKS": ("ARRAY_TASKS",),
}
MAIL_ORDER = (
    "BEGIN",
    "END",
    "FAIL",
    "REQUEUE",
    "TIME=100%",
    "TIME=90%",
    "TIME=80%",
    "TIME=50%",
    "STAGE_OUT",
    "ARRAY_TASKS",
    "INVALID_DEPENDENCY",
)


def mail_types(text: str) -> set[str]:
    """Slurm's `parse_mail_type`: a comma list, case-insensitive."""
    result: set[str] = set()
    for token in text.split(","):
        key = token.strip().upper()
        if key not in MAIL_TYPES:
            raise ValueProblem("use a comma list of " + ", ".join(MAIL_TYPES))
        result.update(MAIL_TYPES[key])
    return result


_ARRAY = re.compile(r"\d+(-\d+(:\d+)?)?(,\d+(-\d+(:\d+)?)?)*(%\d+)?")


def array_spec(text: str) -> str:
    value = text.strip()
    if not _ARRAY.fullmatch(value):
        raise ValueProblem(
            "use indexes, ranges and steps with an optional limit, "
            "e.g. 0-15, 1,3,5, 0-15:4 or 0-15%2"
        )
    return value


_DEP_ITEM = re.compile(
    r"singleton|expand:\d+"
    r"|(after|afterany|afterburstbuffer|aftercorr|afternotok|afterok)"
    r"(:\d+(_\d+)?(\+\d+)?)+"
)


def dependency_spec(text: str) -> str:
    value = text.strip()
    separators = {c for c in value if c in ",?"}
    if len(separators) > 1:
        raise ValueProblem("use either ',' (all must be met) or '?' (any), not both")
    items = re.split(r"[,?]", value)
    if not all(_DEP_ITEM.fullmatch(item) for item in items):
        raise ValueProblem(
            "use TYPE:JOBID[:JOBID...] with after, afterany, afterok, "
            "afternotok, aftercorr or afterburstbuffer, or singleton, "
            "joined with ',' or '?'"
        )
    return value


_DIST_FIRST = r"(\*|block|cyclic|arbitrary|plane=\d+)"
_DIST_NEXT = r"(\*|block|cyclic|fcyclic)"
_DISTRIBUTION = re.compile(
    rf"{_DIST_FIRST}(:{_DIST_NEXT}(:{_DIST_NEXT})?)?(,(pack|nopack))?", re.IGNORECASE
)


def distribution_spec(text: str) -> tuple[str, int | None]:
    """Slurm's `verify_dist_type`: the layout string and, for plane=N, the plane size."""
    value = text.strip()
    if not _DISTRIBUTION.fullmatch(value):
        raise ValueProblem(
            "use {*|block|cyclic|arbitrary|plane=N}[:{*|block|cyclic|fcyclic}"
            "[:{*|block|cyclic|fcyclic}]][,Pack|,NoPack]"
        )
    plane = re.match(r"plane=(\d+)", value, re.IGNORECASE)
    return value, (int(plane.group(1)) if plane else None)


_FREQ_WORD = r"(\d+|low|medium|high|highm1|conservative|ondemand|performance|powersave|userspace)"
_CPU_FREQ = re.compile(rf"{_FREQ_WORD}(-{_FREQ_WORD})?(:{_FREQ_WORD})?", re.IGNORECASE)


def cpu_freq_spec(text: str) -> str:
    value = text.strip()
    if not _CPU_FREQ.fullmatch(value):
        raise ValueProblem(
            "use p1[-p2][:governor], where p is a frequency in kHz, low, "
            "medium, high or highm1, and governor is Conservative, OnDemand, "
            "Performance, PowerSave or UserSpace"
        )
    return value


_GPU_ITEM = re.compile(r"([A-Za-z0-9_.\-]+:)?\d+")


def gpu_counts(text: str) -> list[str]:
    """The `[type:]N` items of --gpus and its per-node/socket/task variants."""
    items = [item.strip() for item in text.split(",")]
    if not all(_GPU_ITEM.fullmatch(item) for item in items):
        raise ValueProblem("use [TYPE:]COUNT, e.g. 2 or a100:2")
    return items


_GRES_ITEM = re.compile(r"[A-Za-z0-9_.\-]+(:[A-Za-z0-9_.\-]+)*(:\d+[KMGTkmgt]?)?")


def gres_spec(text: str) -> str:
    """Slurm's `gres_prepend_tres_type`: `gpu:2,mps:100` -> `gres/gpu:2,gres/mps:100`."""
    items = []
    for raw in text.split(","):
        item = raw.strip()
        if item.startswith("gres/"):
            item = item[len("gres/") :]
        elif item.startswith("gres:"):
            item = item[len("gres:") :]
        if not _GRES_ITEM.fullmatch(item):
            raise ValueProblem(
                "use NAME[[:TYPE]:COUNT] items separated by commas, e.g. gpu:2 or gpu:a100:1,mps:50"
            )
        items.append(f"gres/{item}")
    return ",".join(items)


PROFILES = ("ENERGY", "LUSTRE", "NETWORK", "TASK")


def profile_spec(text: str) -> list[str]:
    tokens = [t.strip().upper() for t in text.split(",")]
    if tokens == ["ALL"]:
        return list(PROFILES)
    if tokens == ["NONE"]:
        return ["NONE"]
    if not all(t in PROFILES for t in tokens):
        raise ValueProblem("use all, none, or a comma list of energy, lustre, network, task")
    return [p for p in PROFILES if p in tokens]
