"""Reading options the way sbatch does: #SBATCH lines, then the command line.

sbatch reads `#SBATCH` (and the old `#SLURM`) lines from the top of the script and stops at
the first line that is neither blank nor a comment; the shebang is a comment. Each line is
split like a shell would (quotes, backslashes) and an unquoted `#` starts a trailing comment.
The command line (here: the submission's sbatch_arguments) is read after the script, so its
options win. Options are parsed like getopt_long: `--opt=value`, `--opt value`, unambiguous
abbreviations of long names, `-t5`, `-t 5` and bundled flags such as `-Hk`.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass

from jobbergate_agent.slurm.sbatch.errors import Occurrence, Origin, TranslationError
from jobbergate_agent.slurm.sbatch.registry import BY_NAME, BY_SHORT, OptionSpec

MAGIC_WORDS = ("#SBATCH", "#SLURM")
# what the option readers yield, returning the position after the words they used
Emitted = Generator[tuple[OptionSpec, Occurrence], None, int]


@dataclass(frozen=True)
class DirectiveLine:
    number: int  # 1-based line number in the script
    text: str  # the whole line
    body: str  # what follows the magic word


@dataclass(frozen=True)
class Header:
    directives: list[DirectiveLine]
    pbs_lines: list[int]  # #PBS lines in the header, which sbatch could have read


def read_header(script: str) -> Header:
    directives: list[DirectiveLine] = []
    pbs: list[int] = []
    for number, line in enumerate(script.splitlines(), start=1):
        word = next((w for w in MAGIC_WORDS if line.startswith(w)), None)
        if word is not None:
            directives.append(DirectiveLine(number, line, line[len(word) :]))
            continue
        stripped = line.strip()
        if stripped.startswith("#PBS"):
            pbs.append(number)
        if stripped and not stripped.startswith("#"):
            break
    return Header(directives, pbs)


def split_directive(line: DirectiveLine) -> list[str]:
    lexer = shlex.shlex(line.body, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        words = list(lexer)
    except ValueError:
        raise TranslationError(
            f"unbalanced quotes in the #SBATCH line {line.number}: {line.text.strip()}; "
            "close the quote or escape it with a backslash",
            origin=str(Origin(line.number)),
        ) from None
    if words and words[0].lower() in ("hetjob", "packjob"):
        raise TranslationError(
            f"heterogeneous job separator '#SBATCH {words[0]}' on line {line.number}: the "
            "agent submits single jobs only; split the job into separate submissions",
            origin=str(Origin(line.number)),
        )
    return words


def split_arguments(arguments: Sequence[str]) -> list[str]:
    """The sbatch_arguments as argv words. Each element is one word, except one typed as a
    whole option with a space before its value (`--time 5`, `-N 2 -n 4`), which is split
    like a shell would; `--comment=two words` stays one word."""
    words: list[str] = []
    for element in arguments:
        head = element.split(None, 1)[0] if element.strip() else element
        if element.startswith("-") and head != element.strip() and "=" not in head:
            try:
                words.extend(shlex.split(element))
            except ValueError:
                raise TranslationError(
                    f"unbalanced quotes in sbatch_arguments element {element!r}; close the quote",
                    origin=str(Origin()),
                ) from None
        else:
            words.append(element)
    return words


class OptionReader:
    """getopt_long over one argv list; yields Occurrences in order."""

    def __init__(self, origin: Origin, start_index: int) -> None:
        self.origin = origin
        self.index = start_index

    def read(self, words: Sequence[str]) -> Iterable[tuple[OptionSpec, Occurrence]]:
        position = 0
        while position < len(words):
            word = words[position]
            position += 1
            if word == "--":
                if position < len(words):
                    raise self._stray(words[position])
                return
            if word.startswith("--"):
                position = yield from self._long(word, words, position)
            elif word.startswith("-") and word != "-":
                position = yield from self._short(word, words, position)
            else:
                raise self._stray(word)

    def _emit(
        self, spec: OptionSpec, typed: str, value: str | None, text: str
    ) -> tuple[OptionSpec, Occurrence]:
        occ = Occurrence(spec.name, typed, value, text, self.origin, self.index)
        self.index += 1
        return spec, occ

    def _long(self, word: str, words: Sequence[str], position: int) -> Emitted:
        name, has_value, value = word[2:].partition("=")
        spec = self._lookup_long(name, word)
        typed = f"--{spec.name}" if name == spec.name else f"--{name}"
        if spec.arg == "none":
            if has_value:
                raise TranslationError(
                    f"{self.origin.kind} --{spec.name} {self.origin.where} takes no value, "
                    f"but was given '{value}'; write --{spec.name} alone",
                    option=word,
                    origin=str(self.origin),
                )
            yield self._emit(spec, typed, None, word)
        elif has_value:
            yield self._emit(spec, typed, value, word)
        elif spec.arg == "optional":
            yield self._emit(spec, typed, None, word)
        else:
            if position >= len(words):
                raise self._missing(typed, spec)
            value = words[position]
            yield self._emit(spec, typed, value, f"{word} {shlex.quote(value)}")
            position += 1
        return position

    def _short(self, word: str, words: Sequence[str], position: int) -> Emitted:
        letters = word[1:]
        while letters:
            letter, letters = letters[0], letters[1:]
            spec = BY_SHORT.get(letter)
            if spec is None:
                raise TranslationError(
                    f"unknown {self.origin.kind} -{letter} {self.origin.where}: sbatch has "
                    "no such option; see docs/sbatch-options.md",
                    option=word,
                    origin=str(self.origin),
                )
            typed = f"-{letter}"
            if spec.arg == "none":
                yield self._emit(spec, typed, None, typed)
                continue
            if letters:
                yield self._emit(spec, typed, letters, f"{typed}{letters}")
                return position
            if spec.arg == "optional":
                yield self._emit(spec, typed, None, typed)
                return position
            if position >= len(words):
                raise self._missing(typed, spec)
            value = words[position]
            yield self._emit(spec, typed, value, f"{typed} {shlex.quote(value)}")
            return position + 1
        return position

    def _lookup_long(self, name: str, word: str) -> OptionSpec:
        if name in BY_NAME:
            return BY_NAME[name]
        candidates = [spec for key, spec in BY_NAME.items() if key.startswith(name)] if name else []
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            names = ", ".join(f"--{c.name}" for c in candidates)
            raise TranslationError(
                f"ambiguous {self.origin.kind} --{name} {self.origin.where}: it could be "
                f"{names}; write the option in full",
                option=word,
                origin=str(self.origin),
            )
        close = difflib.get_close_matches(name, BY_NAME, n=1)
        hint = f"did you mean --{close[0]}?" if close else "see docs/sbatch-options.md"
        raise TranslationError(
            f"unknown {self.origin.kind} --{name} {self.origin.where}: sbatch has no such "
            f"option; {hint}",
            option=word,
            origin=str(self.origin),
        )

    def _missing(self, typed: str, spec: OptionSpec) -> TranslationError:
        return TranslationError(
            f"{self.origin.kind} {typed} {self.origin.where} needs a value, e.g. "
            f"--{spec.name}=VALUE",
            option=typed,
            origin=str(self.origin),
        )

    def _stray(self, word: str) -> TranslationError:
        return TranslationError(
            f"unexpected argument '{word}' {self.origin.where}: only options are allowed "
            "there (a value with spaces needs quotes)",
            option=word,
            origin=str(self.origin),
        )
