"""The base class of every generated model: lenient, because slurmrestd is.

- `extra="allow"`: Slurm adds fields in point releases; they are kept, never rejected.
- `populate_by_name`: fields renamed from Python keywords (e.g. `global_`) can be set by name.
- `coerce_numbers_to_str`: v0.0.38 sends integers where its spec says strings
  (e.g. `meta.Slurm.version.major`, `cpus_per_task`).
"""

from pydantic import BaseModel, ConfigDict


class SlurmModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)
