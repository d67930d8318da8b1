"""Resource limits of one sandboxed process (a grading kernel or a re-check).

The limits are POSIX rlimits, set in the launcher just before it starts
bubblewrap, so they are inherited by everything the student's code starts:

==============  ===============  ============================================
limit           rlimit           what happens when it is reached
==============  ===============  ============================================
memory_mb       RLIMIT_AS        ``MemoryError`` in the student's code
cpu_seconds     RLIMIT_CPU       SIGXCPU ends the kernel: "failed: ... died"
file_size_mb    RLIMIT_FSIZE     a write past the size fails with EFBIG
max_procs       RLIMIT_NPROC     ``fork``/thread start fails with EAGAIN
open_files      RLIMIT_NOFILE    ``open`` fails with EMFILE
==============  ===============  ============================================

``max_procs`` counts processes *and threads* of the sandbox's user; each
sandbox runs as its own user id (see :mod:`autograder.sandbox.bwrap`), so a
fork bomb exhausts only its own budget, never a neighbour's.
"""
from __future__ import annotations

import json
import resource
from dataclasses import asdict, dataclass

_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-sandbox limits; the defaults suit a chapter notebook with room to spare.

    ``output_mb`` is not an rlimit: the grader keeps at most that much of a
    notebook's output (:class:`autograder.pipeline.preprocessors.CappedExecute`), the
    kernel drops printed text beyond it before sending
    (:mod:`autograder.sandbox.kernel_inner`), and the re-check reads at most
    that much of its process's output.
    """

    memory_mb: int = 2048
    cpu_seconds: int = 300
    file_size_mb: int = 64
    max_procs: int = 64
    open_files: int = 256
    output_mb: int = 8

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")

    def rlimits(self) -> dict[int, int]:
        """rlimit constant -> value (soft = hard, so student code cannot raise it)."""
        return {
            resource.RLIMIT_AS: self.memory_mb * _MB,
            resource.RLIMIT_CPU: self.cpu_seconds,
            resource.RLIMIT_FSIZE: self.file_size_mb * _MB,
            resource.RLIMIT_NPROC: self.max_procs,
            resource.RLIMIT_NOFILE: self.open_files,
        }

    def apply(self, extra_procs: int = 0) -> None:
        """Set the limits on this process (inherited by its children).

        ``extra_procs`` raises the process limit by the processes the user
        already runs (the unprivileged case, where the sandbox shares the
        instructor's user id).
        """
        for which, value in self.rlimits().items():
            if which == resource.RLIMIT_NPROC:
                value += extra_procs
            resource.setrlimit(which, (value, value))

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Limits":
        return cls(**json.loads(text))
