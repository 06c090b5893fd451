"""Block jobs: commit, pull, rebase (and copy, in copy*.py) on the image store, paced by the clock."""

from __future__ import annotations

from .events import emit_block_job
from .job import BlockJob, JobActions, Phase
from .registry import DEFAULT_RATE, BlockJobs, bandwidth_bytes

__all__ = ["DEFAULT_RATE", "BlockJob", "BlockJobs", "JobActions", "Phase", "bandwidth_bytes", "emit_block_job"]
