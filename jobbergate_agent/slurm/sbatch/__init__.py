"""The #SBATCH translator: a submission's script and sbatch arguments become a
JobDescription, the way sbatch would have read them. It knows nothing of Jobbergate."""

from jobbergate_agent.slurm.sbatch.build import (
    BuiltJob,
    TranslatedOption,
    build_job,
    describe_unsupported,
)
from jobbergate_agent.slurm.sbatch.errors import TranslationError

__all__ = ["BuiltJob", "TranslatedOption", "TranslationError", "build_job", "describe_unsupported"]
