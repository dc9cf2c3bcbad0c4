"""The agent loop: the only package that uses both the Jobbergate side and the Slurm side.

- `loop`: the schedule (three tasks, each in its own asyncio task) and the heartbeat;
- `pending`: submissions become Slurm jobs or readable rejections; `reporting`: mark_submitted;
- `active`: jobs are followed, cancellations carried to Slurm, purged jobs looked up;
- `journal` and `tags`: what makes submission idempotent across crashes (docs/idempotency.md);
- `context`: what the tasks share; `assemble`: building it from the settings;
- `components`: the translator and user mapper, found at run time; `messages`: words for people.
"""
