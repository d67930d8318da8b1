"""The grader's capstone verdicts (autograder/pipeline/capstone.py) and the sandbox's audit (autograder/sandbox/capstone.py).

Each way a capstone can go wrong is shown to end in 0 points or a review
with the reason an instructor reads, never in a crash: first on results as
the sandbox would send them, then for real in a bubblewrap sandbox (a train
that loops, allocates 10 GB, starts a process, returns junk).
"""
import os

import nbformat
import numpy as np
import pytest

from autograder.checking.capstone import MAX_POINTS, describe
from autograder.pipeline import capstone as pc
from autograder.sandbox import encode, isolation_available
from autograder.sandbox.capstone import Audit
from autograder.sandbox.limits import Limits
from nnlib.layers import Activation, Dense, Standardize
from nnlib.network import Sequential

GRADE_ID = "t-capstone"
REFERENCE = """\
import numpy as np
from nnlib.layers import Activation, Dense, Dropout, Standardize
from nnlib.network import Sequential
from nnlib.optimizers import Adam
from nnlib.training import fit

def build_model(rng):
    return Sequential([Standardize(np.zeros(64), np.ones(64)),
                       Dense(64, 128, rng=rng), Activation("relu"), Dropout(0.2, rng=rng),
                       Dense(128, 10, rng=rng)])

def train(model, X, y, rng):
    model.layers[0].adapt(X)
    fit(model, "softmax_cross_entropy", Adam(lr=1e-3), X, y, epochs=60, batch_size=32, rng=rng, progress=False)
    return model
"""


def notebook(answer: str, answer_output_error: bool = False):
    def cell(source, gid, **meta):
        c = nbformat.v4.new_code_cell(source)
        c.metadata["nbgrader"] = {"grade_id": gid, "grade": False, "solution": False, "locked": True, **meta}
        return c

    nb = nbformat.v4.new_notebook()
    nb.cells = [cell("from autograder import capstone_preview, check", "t-setup"),
                cell(answer, "t-capstone_model", solution=True, locked=False),
                cell("capstone_preview(build_model, train)", GRADE_ID, grade=True, points=10)]
    if answer_output_error:
        nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="x", traceback=[])]
    return nb


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    return pc.prepare(tmp_path_factory.mktemp("split"))


def verdict(result, split, answer=REFERENCE, why="", **kw):
    nb = notebook(answer, **kw)
    return pc.judge("s", nb, pc.plan(nb, GRADE_ID, split, 10), result, why, split, MAX_POINTS)


def trained(split):
    rng = np.random.default_rng(0)
    model = Sequential([Standardize.from_data(split.X_train), Dense(64, 10, rng=rng), Activation("identity")])
    return model


# ------------------------------------------------------------------ verdicts on results


def test_a_described_network_is_measured_on_the_held_out_rows(split):
    model = trained(split)
    W = np.linalg.lstsq(model.layers[0].forward(split.X_train), np.eye(10)[split.y_train], rcond=None)[0]
    model.layers[1].params["W"][...] = W  # a least-squares linear classifier: ~90-95 % on digits
    result = {"cell_errors": [None, None], "seconds": 0.5, "opened": [], "started": [],
              "description": encode.encode(describe(model))}
    out = verdict(result, split)
    predicted = np.argmax(model.forward(split.X_held, training=False), axis=1)
    assert out.accuracy == pytest.approx(np.mean(predicted == split.y_held), abs=1e-12)
    assert out.status == "" and out.reasons == []
    assert out.points == pc.contract.points(out.accuracy) > 0
    assert f"held-out accuracy: {out.accuracy:.1%}" in out.report and "took 0.50 s of the 120 s limit" in out.report


def test_no_result_is_a_review_naming_the_cause(split):
    out = verdict(None, split, why="the capstone run ended without a result (it used up its CPU time)")
    assert (out.status, out.points) == ("review", 0.0)
    assert out.reasons == [("the capstone could not be graded: the capstone run ended without a result "
                           "(it used up its CPU time)")]
    assert "Your instructor will review it." in out.report


def test_missing_functions_score_zero_unless_the_replay_diverged(split):
    result = {"cell_errors": [None, None], "missing": "build_model and train are not defined"}
    out = verdict(result, split)
    assert (out.status, out.points) == ("", 0.0)
    assert out.reasons == ["build_model and train are not defined when the capstone's test cell runs"]
    # The answer cell failed in the replay but ran in the notebook's own run: not the student's fault.
    result["cell_errors"] = [None, "ImportError: no module named x"]
    out = verdict(result, split)
    assert out.status == "review" and "ImportError: no module named x in your answer to capstone_model" in out.reasons[0]
    # ... and where it failed in the notebook's own run too, the student's notebook is broken: 0.
    out = verdict(result, split, answer_output_error=True)
    assert (out.status, out.points) == ("", 0.0)


@pytest.mark.parametrize("result, status, reason", [
    ({"kind": "flagged", "problem": "train called nnlib.data.load_digits; the capstone trains only on the X, y "
                                    "it is given"}, "flagged", "train called nnlib.data.load_digits;"),
    ({"opened": ["/repo/nnlib/data_files/digits.csv.gz", "/proc/self/maps"], "description": []}, "flagged",
     "build_model/train opened /repo/nnlib/data_files/digits.csv.gz (and 1 more)"),
    ({"started": ["os.fork"], "description": []}, "review", "build_model/train started another process (os.fork)"),
    ({"kind": "timeout", "problem": "build_model and train took longer than the 120 s limit"}, "",
     "build_model and train took longer than the 120 s limit"),
    ({"kind": "error", "problem": "train ran out of memory (the limit is 2048 MB)"}, "", "train ran out of memory"),
    ({"undescribed": "the network holds a set"}, "", "the model is not a Sequential of nnlib layers"),
    ({"description": encode.encode([{"layer": "Dense", "W": np.full((64, 10), np.nan), "b": np.zeros(10)}])},
     "", "the trained network could not be rebuilt: layer 0 (Dense): W holds NaN"),
    ({"description": {"__ndarray__": ["<f8", [3], [1, 2]]}}, "", "the trained network could not be rebuilt"),
    ({"broken": "the capstone run's result could not be written: RecursionError"}, "review",
     "the capstone could not be graded: the capstone run's result could not be written"),
])
def test_each_failure_scores_zero_with_its_reason(split, result, status, reason):
    out = verdict({"cell_errors": [None, None], **result}, split)
    assert (out.status, out.points, out.accuracy) == (status, 0.0, None)
    assert out.reasons[0].startswith(reason)
    assert reason.split(" (")[0].removeprefix("the capstone could not be graded: ") in out.report
    assert "0 of 10 points" in out.report


def test_large_capstone_cells_go_to_review_with_the_measured_score(split):
    digits = ", ".join(str(i % 17) for i in range(1500))
    nb = notebook(REFERENCE + f"\nMEMORY = [{digits}]\n")
    assert pc.size_flags(nb) == ["the capstone cells hold an array of 1500 numbers"]
    assert pc.size_flags(notebook(REFERENCE + "# " + "x" * 25_000)) == ["the capstone cells hold 26 kB"]
    assert pc.size_flags(notebook(REFERENCE + "\nSMALL = [" + ", ".join(["1"] * 900) + "]\n")) == []


# ------------------------------------------------------------------ the audit


def test_the_audit_records_files_outside_the_allowed_folders_only_while_active(tmp_path):
    audit = Audit([str(tmp_path) + os.sep], ["/repo/nnlib/"])
    audit.hook("open", ("/etc/passwd", "r", 0))
    assert audit.opened == []  # not active: the notebook's own cells may read what they like
    audit.active = True
    for path in ("/etc/passwd", tmp_path / "scratch.npy", "/repo/nnlib/layers.py", "/repo/nnlib/data_files/digits.csv.gz",
                 b"/etc/passwd", 3, "/dev/null"):
        audit.hook("open", (path, "r", 0))
    audit.hook("os.system", (b"cat /etc/passwd",))
    audit.hook("import", ("json", None, None, None, None))
    assert audit.opened == ["/etc/passwd", "/repo/nnlib/data_files/digits.csv.gz"]
    assert audit.started == ["os.system"]


def test_a_course_cloned_under_an_allowed_folder_still_guards_its_data(tmp_path):
    """A clone in /tmp (allowed: the sandbox's scratch) must not make its own digits file readable."""
    repo = tmp_path / "clone" / "nnlib"
    audit = Audit([str(tmp_path) + os.sep], [str(repo) + os.sep])
    audit.active = True
    for path in (repo / "layers.py", repo / "__pycache__" / "layers.cpython-311.pyc", tmp_path / "scratch.npy",
                 repo / "data_files" / "digits.csv.gz"):
        audit.hook("open", (str(path), "r", 0))
    assert audit.opened == [str(repo / "data_files" / "digits.csv.gz")]


# ------------------------------------------------------------------ for real, in the sandbox


HOSTILE = {
    "loops": ("    while True:\n        pass\n", "", "build_model and train took longer than the 2 s limit"),
    "allocates_10_GB": ("    big = np.ones((40_000, 40_000))\n", "", "train ran out of memory (the limit is 2048 MB)"),
    "forks": ("    import os\n    if os.fork() == 0:\n        os._exit(0)\n", "review",
              "build_model/train started another process (os.fork)"),
    "returns_junk": ("    return {'W': 1}\n", "", "train must return an nnlib Sequential, got dict"),
}


@pytest.mark.slow
@pytest.mark.skipif(not isolation_available(), reason="bubblewrap is not installed")
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_train_is_graded_with_a_reason_in_the_sandbox(kind, split, monkeypatch):
    body, status, reason = HOSTILE[kind]
    answer = REFERENCE.replace("    model.layers[0].adapt(X)\n", body)
    monkeypatch.setattr(pc.contract, "TIME_LIMIT", 2.0)  # the plan carries the limit into the sandbox
    nb = notebook(answer)
    the_plan, result, why = pc.run_student(nb, GRADE_ID, split, Limits(), 10, sandbox=True)
    assert why == ""
    out = pc.judge("s", nb, the_plan, result, why, split, MAX_POINTS)
    assert (out.status, out.points) == (status, 0.0)
    assert out.reasons[0].startswith(reason)
