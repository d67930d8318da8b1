"""Does the grader's own output cap (CappedExecute) hold, while keeping what decides a grade?"""
from __future__ import annotations

from nbgrader.preprocessors import Execute

from autograder.pipeline.preprocessors import CappedExecute, autograde_preprocessors


def _msg(kind: str, **content) -> dict:
    return {"msg_type": kind, "content": content, "parent_header": {"msg_id": "m"}, "header": {"msg_type": kind}}


def _fresh(max_bytes: int) -> CappedExecute:
    executor = CappedExecute(max_bytes=max_bytes)
    executor.reset_execution_trackers()
    executor.clear_before_next_output = False  # set by nbclient when a cell starts
    return executor


def _stream_chars(outs) -> int:
    return sum(len(o.get("text", "")) for o in outs if o.output_type == "stream")


def test_stream_output_stops_at_the_cap_with_one_note():
    """Are 3000 characters of prints cut to the 1000-character budget, with a single note?"""
    executor, outs = _fresh(1000), []
    for _ in range(30):
        executor.output(outs, _msg("stream", name="stdout", text="y" * 100), None, 0)
    notes = [o for o in outs if "cut by the grader after 1000 bytes" in o.get("text", "")]
    assert len(notes) == 1
    assert _stream_chars(outs) - len(notes[0].text) == 1000


def test_display_data_counts_against_the_budget():
    """Does a large display (an image, say) use up the budget like printed text?"""
    executor, outs = _fresh(1000), []
    executor.output(outs, _msg("display_data", data={"image/png": "A" * 900}, metadata={}), None, 0)
    executor.output(outs, _msg("display_data", data={"image/png": "B" * 900}, metadata={}), None, 0)
    assert [o.output_type for o in outs] == ["display_data", "stream"]


def test_errors_and_results_are_kept_past_the_cap_shortened():
    """After the cap, does a test cell's error (it fails the cell) and result (partial credit) still arrive?"""
    executor, outs = _fresh(100), []
    executor.output(outs, _msg("stream", name="stdout", text="y" * 500), None, 0)
    executor.output(outs, _msg("error", ename="AssertionError", evalue="z" * 50_000, traceback=["t" * 50_000]), None, 0)
    executor.output(outs, _msg("execute_result", data={"text/plain": "0.5"}, metadata={}, execution_count=1), None, 0)
    kinds = [o.output_type for o in outs]
    assert kinds == ["stream", "error", "execute_result"]
    assert len(outs[1].evalue) == 20_000 and len(outs[1].traceback[0]) == 20_000
    assert outs[2].data == {"text/plain": "0.5"}


def test_each_notebook_gets_a_fresh_budget():
    """Does the next notebook (nbclient resets its trackers) start again from zero?"""
    executor, outs = _fresh(100), []
    executor.output(outs, _msg("stream", name="stdout", text="y" * 500), None, 0)
    executor.reset_execution_trackers()
    executor.clear_before_next_output = False
    second = []
    executor.output(second, _msg("stream", name="stdout", text="y" * 80), None, 0)
    assert _stream_chars(second) == 80


def test_autograde_runs_capped_execute_instead_of_execute():
    """Is nbgrader's Execute replaced (not joined) by CappedExecute in the autograde steps?"""
    steps = autograde_preprocessors()
    assert CappedExecute in steps and Execute not in steps
