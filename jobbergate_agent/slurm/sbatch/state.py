"""What the options asked for, before it becomes a JobDescription.

Like sbatch's `slurm_opt_t`: each option writes its part here as it is read (script first,
then sbatch_arguments), so a later option overrides an earlier one, and options that add up
(the flag options) accumulate. Every value remembers the occurrence that set it.
"""

from __future__ import annotations

from typing import Any

from jobbergate_agent.slurm.sbatch.errors import Occurrence


class JobState:
    def __init__(self) -> None:
        self._values: dict[str, tuple[Any, Occurrence]] = {}
        self._members: dict[str, dict[str, Occurrence]] = {}
        self.occurrences: list[Occurrence] = []
        # notes for occurrences that set nothing on purpose, e.g. "--no-kill=off: default"
        self.notes: dict[int, str] = {}

    def put(self, key: str, value: Any, occ: Occurrence) -> None:
        self._values[key] = (value, occ)

    def drop(self, key: str) -> None:
        self._values.pop(key, None)

    def add(self, key: str, members: list[str] | set[str], occ: Occurrence) -> None:
        bucket = self._members.setdefault(key, {})
        for member in members:
            bucket.setdefault(member, occ)

    def replace(self, key: str, members: list[str] | set[str], occ: Occurrence) -> None:
        self._members.pop(key, None)
        self.add(key, members, occ)

    def has(self, key: str) -> bool:
        return key in self._values

    def get(self, key: str, default: Any = None) -> Any:
        return self._values[key][0] if key in self._values else default

    def origin(self, key: str) -> Occurrence | None:
        return self._values[key][1] if key in self._values else None

    def members(self, key: str) -> dict[str, Occurrence]:
        return dict(self._members.get(key, {}))

    def seen(self, name: str) -> list[Occurrence]:
        """Every occurrence of the option `name` (long name), in order."""
        return [occ for occ in self.occurrences if occ.name == name]
