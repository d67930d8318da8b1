"""nbgrader preprocessors nncourse adds to the standard pipeline.

``LimitOutputBytes`` caps what one cell may store, whatever its number of
lines: a submission printing 50 MB on one line would otherwise be kept whole
in the autograded notebook and in every feedback page.
"""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer


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


def autograde_preprocessors() -> list:
    """nbgrader's autograde list with ``LimitOutputBytes`` right after ``LimitOutput``."""
    from nbgrader.converters.autograde import Autograde

    steps = list(Autograde.autograde_preprocessors.default())
    names = [step.__name__ for step in steps]
    steps.insert(names.index("LimitOutput") + 1, LimitOutputBytes)
    return steps


def feedback_preprocessors() -> list:
    """nbgrader's feedback list with hidden tests cleared first."""
    from nbgrader.converters.generate_feedback import GenerateFeedback
    from nbgrader.preprocessors import ClearHiddenTests

    return [ClearHiddenTests, *GenerateFeedback.preprocessors.default()]
