"""The one error of the translator, and where each option came from.

Every message names the option as the user wrote it, where it was written (a line of the
script or the submission's sbatch_arguments) and, when there is one, what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass

SBATCH_ARGUMENTS = "sbatch_arguments"


class TranslationError(Exception):
    """The submission cannot become a Slurm job as written; the message says why and what to
    do, in words meant for the person who wrote the script."""

    def __init__(
        self, message: str, *, option: str | None = None, origin: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.option = option
        self.origin = origin


@dataclass(frozen=True)
class Origin:
    """A line of the script (1-based) or, with `line=None`, the sbatch_arguments."""

    line: int | None = None

    def __str__(self) -> str:
        return f"script line {self.line}" if self.line is not None else SBATCH_ARGUMENTS

    @property
    def where(self) -> str:
        return f"on line {self.line}" if self.line is not None else "in sbatch_arguments"

    @property
    def kind(self) -> str:
        return "#SBATCH option" if self.line is not None else "option"


@dataclass(frozen=True)
class Occurrence:
    """One option as it was given: its canonical long name, the text typed, its value."""

    name: str  # canonical long name without dashes, e.g. "time"
    typed: str  # the option as typed, e.g. "-t" or "--time"
    value: str | None
    text: str  # the whole option as typed, e.g. "-t 5" or "--time=5"
    origin: Origin
    index: int = 0  # position among all options; later ones win

    @property
    def display(self) -> str:
        """`--time`, or `-t (--time)` when the short form was typed."""
        long = f"--{self.name}"
        return long if self.typed == long else f"{self.typed} ({long})"

    def invalid(self, hint: str) -> TranslationError:
        value = "" if self.value is None else self.value
        return TranslationError(
            f"invalid value '{value}' for {self.display} {self.origin.where}: {hint}",
            option=self.text,
            origin=str(self.origin),
        )

    def unsupported(self, why: str) -> TranslationError:
        return TranslationError(
            f"unsupported {self.origin.kind} {self.display} {self.origin.where}: {why}",
            option=self.text,
            origin=str(self.origin),
        )

    def cannot_use(self, why: str) -> TranslationError:
        """A supported option whose particular value cannot be honoured here."""
        return TranslationError(
            f"cannot use {self.origin.kind} {self.text} {self.origin.where}: {why}",
            option=self.text,
            origin=str(self.origin),
        )

    def describe(self) -> str:
        """`--time=5 (script line 4)`, for messages that name several options."""
        return f"{self.text} ({self.origin})"


class ValueProblem(ValueError):
    """Raised by value parsers; the translator words it with the option and its origin."""
