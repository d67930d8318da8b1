"""nbgrader preprocessors nncourse adds to the standard pipeline.

``CappedExecute`` is nbgrader's ``Execute`` with a cap on the output it
keeps per notebook, applied in the grader's own process as the messages
arrive: the kernel's own cap (:mod:`autograder.sandbox.kernel_inner`) lives
in the student's process, where it can be removed.  ``LimitOutputBytes``
then caps what one cell may store, whatever its number of lines: a
submission printing 50 MB on one line would otherwise be kept whole in the
autograded notebook and in every feedback page.  ``RestoreHiddenTests`` is
nbgrader's ``OverwriteCells`` without its false alarm on every test cell
that has hidden tests (see its docstring).
"""
from __future__ import annotations

import copy

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor, OverwriteCells
from traitlets import Integer

# Outputs that decide a grade are always kept (shortened): an error marks a test cell failed, and
# a test cell's execute_result carries its partial credit.
_DECISIVE = ("error", "execute_result")
_DECISIVE_CHARS = 20_000


class CappedExecute(Execute):
    """nbgrader's ``Execute``, keeping at most ``max_bytes`` of output per notebook.

    Past the cap, stream and display outputs are dropped (one note says so);
    errors and execute results are still kept, shortened, since they decide
    the grade.
    """

    max_bytes = Integer(8 * 1024 * 1024, help="output kept per notebook (bytes of text)").tag(config=True)

    def reset_execution_trackers(self) -> None:
        """Called by nbclient before each notebook runs: a fresh budget per notebook."""
        super().reset_execution_trackers()
        self._kept, self._noted = 0, False

    def output(self, outs, msg, display_id, cell_index):
        kind = msg.get("msg_type")
        if kind in _DECISIVE:
            _shorten(msg.get("content", {}))
            return super().output(outs, msg, display_id, cell_index)
        size = _text_size(msg.get("content", {}))
        if self._kept + size > self.max_bytes:
            if not self._noted:
                self._noted = True
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text=f"\n... [output cut by the grader after {self.max_bytes} bytes]\n"))
            return None
        self._kept += size
        return super().output(outs, msg, display_id, cell_index)


def _text_size(content: dict) -> int:
    """Characters of text a message would add to the notebook."""
    size = len(content.get("text", "") or "")
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(str(value))
    return size


def _shorten(content: dict) -> None:
    """Cut an error's traceback and a result's values to a readable length, in place."""
    if isinstance(content.get("traceback"), list):
        content["traceback"] = [line[:_DECISIVE_CHARS] for line in content["traceback"][:200]]
    for key in ("evalue",):
        if isinstance(content.get(key), str):
            content[key] = content[key][:_DECISIVE_CHARS]
    data = content.get("data")
    if isinstance(data, dict):
        for key, value in list(data.items()):
            if isinstance(value, str) and len(value) > _DECISIVE_CHARS:
                data[key] = value[:_DECISIVE_CHARS]


class LimitOutputBytes(NbGraderPreprocessor):
    """Truncate each text output of a code cell to ``max_chars`` characters."""

    max_chars = Integer(20_000, help="largest text output kept per output (characters)").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = self._cut(output.get("text", ""))
            elif "data" in output and isinstance(output["data"].get("text/plain"), str):
                output["data"]["text/plain"] = self._cut(output["data"]["text/plain"])
        return cell, resources

    def _cut(self, text: str) -> str:
        if len(text) <= self.max_chars:
            return text
        dropped = len(text) - self.max_chars
        return text[: self.max_chars] + f"\n... [output truncated by the grader: {dropped} more characters]\n"


class RestoreHiddenTests(OverwriteCells):
    """nbgrader's ``OverwriteCells``, quiet when a test cell is exactly as it was released.

    ``generate_assignment`` records each test cell in the gradebook *with* its
    hidden tests, then strips them from the released notebook.  At autograde,
    ``OverwriteCells`` compares every locked cell with the gradebook's copy,
    finds the hidden tests missing, logs "Attribute 'checksum' for cell ...
    has changed!" and puts the recorded source back: that restore is how
    hidden tests get run at all.  So the warning came for every test cell
    with hidden tests of every submission (five per student in chapter 01),
    and hid the rare one that matters.  Here it is logged only when the
    student's cell differs from the released cell (an edited test cell);
    the restore itself is unchanged.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        self._as_released = self._is_as_released(cell)
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and self._as_released:
            self.log.debug("Putting the hidden tests back into %s (as released, without them)", name)
            return
        super().report_change(name, attr, old, new)

    def _is_as_released(self, cell) -> bool:
        """Is ``cell`` the gradebook's locked cell with its hidden tests removed, as the release made it?"""
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade_id"):
            return False
        try:
            recorded = self.gradebook.find_source_cell(meta["grade_id"], self.notebook_id, self.assignment_id)
        except MissingEntry:
            return False
        released = copy.deepcopy(cell)
        released.source = recorded.source
        # nbgrader's own stripping, with the delimiters configured for the release.
        ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
        return released.source == cell.source


def sanitize_preprocessors() -> list:
    """nbgrader's autograde "sanitize" list with ``OverwriteCells`` replaced by ``RestoreHiddenTests``."""
    from nbgrader.converters.autograde import Autograde

    return [RestoreHiddenTests if step is OverwriteCells else step
            for step in Autograde.sanitize_preprocessors.default()]


def autograde_preprocessors() -> list:
    """nbgrader's autograde list, ``Execute`` replaced by ``CappedExecute`` and ``LimitOutputBytes``
    right after ``LimitOutput``."""
    from nbgrader.converters.autograde import Autograde

    steps = [CappedExecute if step is Execute else step for step in Autograde.autograde_preprocessors.default()]
    names = [step.__name__ for step in steps]
    steps.insert(names.index("LimitOutput") + 1, LimitOutputBytes)
    return steps


def feedback_preprocessors() -> list:
    """nbgrader's feedback list with hidden tests cleared first."""
    from nbgrader.converters.generate_feedback import GenerateFeedback
    from nbgrader.preprocessors import ClearHiddenTests

    return [ClearHiddenTests, *GenerateFeedback.preprocessors.default()]
