"""The kernel inside the sandbox: ipykernel, with a cap on the text it sends back.

The cap (``NNCOURSE_OUTPUT_LIMIT`` bytes per kernel) drops printed text
beyond it and says so once, so that 200 MB of ``print`` never even travels to
the grader.  It lives in the student's process, so a determined student can
remove it; the cap that holds is the grader's own,
:class:`autograder.pipeline.preprocessors.CappedExecute`, which keeps at most as much
of what arrives.
"""
from __future__ import annotations

import os


# No IPython history: a graded notebook's inputs are in the notebook, and writing each one to
# SQLite (in a thread) costs time on every cell.
OPTIONS = ["--HistoryManager.enabled=False"]


def _cap_output(limit: int) -> None:
    from ipykernel.iostream import OutStream

    write = OutStream.write
    state = {"sent": 0, "noted": False}

    def capped(self, string):
        if state["sent"] >= limit:
            if not state["noted"]:
                state["noted"] = True
                write(self, f"\n... [output cut by the grader after {limit} characters]\n")
            return len(string)
        state["sent"] += len(string)
        return write(self, string[: max(0, limit - state["sent"] + len(string))])

    OutStream.write = capped


def main(argv: list[str] | None = None, output_limit: int | None = None) -> None:
    """Run ipykernel (``argv``: its command line, default ``sys.argv``) with the output cap."""
    if output_limit is None:
        output_limit = int(os.environ.get("NNCOURSE_OUTPUT_LIMIT", 8 * 1024 * 1024))
    _cap_output(output_limit)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=argv)


if __name__ == "__main__":
    main()
