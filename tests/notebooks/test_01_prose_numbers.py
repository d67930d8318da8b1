"""Every number stated in the prose of chapter 01 is recomputed here.

The prose lives in ``solutions/01_perceptron/01_perceptron.ipynb``.  Each
test quotes the sentence it checks (so editing the prose without the test
fails) and recomputes the numbers with nnlib.  The last test keeps an
inventory of the numerals that appear in the markdown: a new number in the
prose fails it until someone adds a check for it.
"""
import inspect
import re
from fractions import Fraction
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnlib.perceptron as perceptron
from nnlib.data import logic_gate
from prose_support import unaccounted

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "01_perceptron" / "01_perceptron.ipynb"
NB = nbformat.read(NOTEBOOK, as_version=4)
SOURCES = {cell.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: cell.source
           for cell in NB.cells if "grade_id" in cell.metadata.get("nbgrader", {})}
AND_INPUTS = logic_gate("and")[0]  # rows 00, 01, 10, 11


def normalised(text: str) -> str:
    """Prose without $ signs and backticks, with ASCII minus signs and single spaces (line breaks vary)."""
    return re.sub(r"\s+", " ", text.replace("$", "").replace("`", "").replace("−", "-"))


def says(cell: str, *phrases: str) -> None:
    body = normalised(SOURCES[cell])
    for phrase in phrases:
        assert normalised(phrase) in body, f"cell {cell} no longer says {phrase!r}: update this test with the prose"


def sums(X, w, b):
    return X @ w + b  # (N,)


# ---------------------------------------------------------------- 1. McCulloch–Pitts


def test_do_the_stated_weights_and_thresholds_compute_and_and_or():
    """Does w = (1, 1) compute AND with theta = 1.5 and OR with theta = 0.5, as section 1 says?"""
    says("md_02", r"\mathbf{w} = (1, 1) and threshold \theta = 1.5, the neuron computes AND",
         "1 + 1 = 2, above 1.5", r"\theta = 0.5 and the same neuron computes OR")
    w = np.array([1.0, 1.0])
    assert float(AND_INPUTS[3] @ w) == 2.0 > 1.5
    np.testing.assert_array_equal(perceptron.mp_neuron(AND_INPUTS, w, 1.5), logic_gate("and")[1])
    np.testing.assert_array_equal(perceptron.mp_neuron(AND_INPUTS, w, 0.5), logic_gate("or")[1])


def test_does_the_mp_neuron_self_test_give_the_stated_outputs():
    """Exercise 2 says w = (1, 1), theta = 1.5 gives 0, 0, 0, 1 on 00, 01, 10, 11: does it?"""
    says("md_03", "w = np.array([1.0, 1.0]) and theta = 1.5", "(0, 0), (0, 1), (1, 0), (1, 1) give 0, 0, 0, 1")
    np.testing.assert_array_equal(perceptron.mp_neuron(AND_INPUTS, [1.0, 1.0], 1.5), [0, 0, 0, 1])


# ---------------------------------------------------------------- 2. the decision line


def test_are_the_widget_suggestions_right():
    """On AND with w = (1, 1): does b = -1 give 0 errors with 01 and 10 on the line, and b = -0.5 give 2?"""
    from nnlib.widgets.perceptron import DecisionLineExplorer

    says("md_05", "set w_1 = w_2 = 1 and b = -1. The points (0, 1) and (1, 0) now lie exactly on the line: "
                  "their sum is 0, which does not fire, so there are still 0 errors. Move b to -0.5: 2 errors.")
    w = np.array([1.0, 1.0])
    assert sums(AND_INPUTS[1:3], w, -1.0).tolist() == [0.0, 0.0]
    assert DecisionLineExplorer(gate="and", w1=1.0, w2=1.0, b=-1.0).n_errors == 0
    assert DecisionLineExplorer(gate="and", w1=1.0, w2=1.0, b=-0.5).n_errors == 2


def test_are_nand_and_xor_described_correctly():
    """NAND fires everywhere except at (1, 1); XOR is 1 when exactly one input is 1 (targets 0, 1, 1, 0)?"""
    says("md_05", "it fires everywhere except at (1, 1)")
    says("md_13", "XOR is 1 when exactly one input is 1: the targets are 0, 1, 1, 0")
    np.testing.assert_array_equal(logic_gate("nand")[1], [1, 1, 1, 0])
    np.testing.assert_array_equal(logic_gate("xor")[1], (AND_INPUTS.sum(axis=1) == 1).astype(float))
    np.testing.assert_array_equal(logic_gate("xor")[1], [0, 1, 1, 0])


# ---------------------------------------------------------------- 3. the rule


def test_does_one_update_move_the_sum_by_the_stated_amount():
    """Does an update change w . x + b by eta (t - y)(|x|^2 + 1), with the sign of t - y?"""
    says("md_06", r"changes by \eta\,(t - y)\,(\lVert\mathbf{x}\rVert^2 + 1)")
    rng = np.random.default_rng(0)
    for _ in range(50):
        w, x = rng.normal(size=3), rng.normal(size=3)
        b, lr, t = float(rng.normal()), float(rng.uniform(0.01, 1)), float(rng.integers(0, 2))
        y = float(perceptron.predict(x[None, :], w, b)[0])
        new_w, new_b = perceptron.update(w, b, x, t, lr)
        change = (x @ new_w + new_b) - (x @ w + b)
        assert change == pytest.approx(lr * (t - y) * (x @ x + 1), abs=1e-12)


def _train_exactly(X, t, lr, max_epochs=50):
    """The perceptron rule in exact rational arithmetic (no rounding at all)."""
    X = [[Fraction(int(v)) for v in row] for row in X]
    w, b, errors = [Fraction(0)] * len(X[0]), Fraction(0), []
    for _ in range(max_epochs):
        mistakes = 0
        for x, target in zip(X, t):
            y = 1 if sum(wi * xi for wi, xi in zip(w, x)) + b > 0 else 0
            mistakes += y != target
            w = [wi + lr * (int(target) - y) * xi for wi, xi in zip(w, x)]
            b = b + lr * (int(target) - y)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors


@pytest.mark.parametrize("gate", ["and", "or", "nand", "nor", "xor"])
def test_in_exact_arithmetic_does_the_learning_rate_only_scale_the_weights(gate):
    """From zero weights, is every run eta times the eta = 1 run, with the same mistakes, when nothing rounds?"""
    says("md_06", "In exact arithmetic the perceptron makes the same mistakes in the same order and needs the same "
                  "number of epochs; only the scale of \\mathbf{w} and b changes.")
    X, t = logic_gate(gate)
    w1, b1, e1 = _train_exactly(X, t, Fraction(1))
    for lr in (Fraction(1, 10), Fraction(1, 3), Fraction(7, 2)):
        w, b, e = _train_exactly(X, t, lr)
        assert e == e1 and w == [lr * v for v in w1] and b == lr * b1


def test_does_rounding_change_the_nand_run_as_stated():
    """With eta = 0.1 on NAND, is the epoch-4 sum for (1, 0) about 2.8e-17, and does training stop after 4 epochs, not 6?"""
    says("md_06", "on NAND with \\eta = 0.1, the sum for the input (1, 0) in epoch 4 should be exactly 0 but comes "
                  "out as about 2.8 \\times 10^{-17}, which fires, so training stops after 4 epochs instead of the 6 "
                  "it takes with \\eta = 1.")
    X, t = logic_gate("nand")
    w, b = np.zeros(2), 0.0
    for _epoch in range(3):
        for x, target in zip(X, t):
            w, b = perceptron.update(w, b, x, target, 0.1)
    h = float(X[2] @ w + b)  # epoch 4, input (1, 0)
    assert X[2].tolist() == [1.0, 0.0]
    assert f"{h:.1e}" == "2.8e-17"
    w_exact, b_exact, _ = _train_exactly(X, t, Fraction(1, 10), max_epochs=3)
    assert w_exact[0] * 1 + w_exact[1] * 0 + b_exact == 0  # "should be exactly 0"
    _, _, exact_errors = _train_exactly(X, t, Fraction(1, 10))
    assert len(exact_errors) == 6  # in exact arithmetic the run is as long as for eta = 1
    assert len(perceptron.train(X, t, lr=0.1)[2]) == 4
    assert len(perceptron.train(X, t, lr=1.0)[2]) == 6


@pytest.mark.parametrize("lr, epochs", [("0.1", 9), ("0.2", 7), ("0.3", 6), ("0.4", 7)])
def test_does_a_random_start_make_the_learning_rate_matter_as_stated(lr, epochs):
    """From w = (0.5, -0.4), b = 0.3, does AND take 9, 7, 6, 7 epochs for eta = 0.1 ... 0.4 (also without rounding)?"""
    says("md_06", r"from small random weights, with \eta between 0.1 and 0.4",
         r"From \mathbf{w} = (0.5, -0.4), b = 0.3, AND needs 9 epochs with \eta = 0.1, 7 with \eta = 0.2, 6 with "
         r"\eta = 0.3 and 7 with \eta = 0.4")
    X, t = logic_gate("and")
    w, b, errors = perceptron.train(X, t, lr=float(lr), w0=np.array([0.5, -0.4]), b0=0.3)
    assert len(errors) == epochs and errors[-1] == 0
    # the same run in exact arithmetic: rounding plays no part here
    exact = [Fraction(v) for v in ("0.5", "-0.4")], Fraction("0.3")
    assert len(_train_from(X, t, Fraction(lr), *exact)) == epochs


def _train_from(X, t, lr, w, b, max_epochs=50):
    """Mistakes per epoch of the perceptron rule in exact arithmetic, from the weights given."""
    errors = []
    for _ in range(max_epochs):
        mistakes = 0
        for x, target in zip(X.tolist(), t.tolist()):
            y = 1 if sum(wi * Fraction(xi) for wi, xi in zip(w, x)) + b > 0 else 0
            mistakes += y != target
            w = [wi + lr * (int(target) - y) * Fraction(xi) for wi, xi in zip(w, x)]
            b = b + lr * (int(target) - y)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return errors


def test_do_equal_weights_of_one_perceptron_drift_apart_unlike_hidden_units():
    """The AND run starts at equal weights and ends at (0.2, 0.1); two hidden units with equal weights stay equal."""
    says("md_06", r"the AND run ends at \mathbf{w} = (0.2, 0.1)", "receive equal corrections and stay identical",
         "(chapter 6)")
    X, t = logic_gate("and")
    w, _, _ = perceptron.train(X, t, lr=0.1)
    np.testing.assert_allclose(w, [0.2, 0.1], atol=1e-12)
    # a 2-2-1 tanh network whose two hidden units start with equal weights: equal gradients, equal forever
    from nnlib.mlp import mlp_backward, mlp_forward
    params = [(np.array([[0.3, 0.3], [-0.2, -0.2]]), np.array([0.1, 0.1])), (np.array([[0.5], [0.5]]), np.zeros(1))]
    for _ in range(20):
        A, caches = mlp_forward(X, params, ["tanh", "sigmoid"])
        grads = mlp_backward(A - t[:, None], caches, params, ["tanh", "sigmoid"])
        params = [(W - 0.5 * dW, c - 0.5 * dc) for (W, c), (dW, dc) in zip(params, grads)]
    W1 = params[0][0]
    np.testing.assert_array_equal(W1[:, 0], W1[:, 1])


# ---------------------------------------------------------------- the worked trace


def _trace_rows():
    rows = []
    for line in SOURCES["md_07"].splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) == 9 and cols[0].isdigit():
            rows.append(cols)
    return rows


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"[-+]?\d+(?:\.\d+)?", text.replace("−", "-"))]


def test_is_every_row_of_the_worked_trace_what_nnlib_computes():
    """Do the 8 rows of the AND trace (eta = 0.1, from zero) match nnlib's sums, outputs and updates?"""
    rows = _trace_rows()
    assert [int(r[0]) for r in rows] == list(range(1, 9))
    X, t = logic_gate("and")
    w, b = np.zeros(2), 0.0
    for k, row in enumerate(rows):
        i = k % 4
        h = float(X[i] @ w + b)
        y = float(perceptron.predict(X[i:i + 1], w, b)[0])
        new_w, new_b = perceptron.update(w, b, X[i], t[i], 0.1)
        update, epoch, x, target, h_text, y_text, t_minus_y, w_after, b_after = row
        assert int(epoch) == k // 4 + 1
        assert _numbers(x) == X[i].tolist() and float(target) == t[i]
        assert float(h_text) == pytest.approx(h, abs=1e-12)
        assert float(y_text) == y and _numbers(t_minus_y) == [t[i] - y]
        np.testing.assert_allclose(_numbers(w_after), new_w, atol=1e-12)
        assert float(b_after.replace("−", "-")) == pytest.approx(new_b, abs=1e-12)
        w, b = new_w, new_b


def test_are_the_trace_summary_numbers_right():
    """1 then 3 mistakes; 1, 3, 3, 2, 1, 0 in all; 24 updates; w = (0.2, 0.1), b = -0.2; sums -0.2, -0.1, 0.0, 0.1?"""
    says("md_07", "Epoch 1 has 1 mistake, epoch 2 has 3", "the mistakes per epoch are 1, 3, 3, 2, 1, 0: the sixth "
                  "epoch has none, and training stops after 24 updates with \\mathbf{w} = (0.2, 0.1), b = -0.2",
         "the four sums are -0.2, -0.1, 0.0, 0.1, and only the last one is above 0")
    says("md_09", "errors == [1, 3, 3, 2, 1, 0], w = (0.2, 0.1) and b = -0.2")
    X, t = logic_gate("and")
    w, b, errors = perceptron.train(X, t, lr=0.1)
    assert errors == [1, 3, 3, 2, 1, 0] and len(errors) == 6 and errors[-1] == 0
    assert len(perceptron.Perceptron(lr=0.1).fit(X, t).history_) == 24 == 4 * len(errors)
    np.testing.assert_allclose(w, [0.2, 0.1], atol=1e-12)
    assert b == pytest.approx(-0.2, abs=1e-12)
    np.testing.assert_allclose(sums(X, w, b), [-0.2, -0.1, 0.0, 0.1], atol=1e-12)
    np.testing.assert_array_equal(perceptron.predict(X, w, b), [0, 0, 0, 1])


# ---------------------------------------------------------------- 4. AND and OR


def test_are_the_or_numbers_right():
    """Does OR need four epochs (1, 2, 1, 0) and end at w = (0.1, 0.1), b = 0 with a sum of exactly 0 at (0, 0)?"""
    says("md_12", "OR needs four epochs (mistakes 1, 2, 1, 0) and ends with \\mathbf{w} = (0.1, 0.1), b = 0: "
                  "at (0, 0) the sum is exactly 0")
    X, t = logic_gate("or")
    w, b, errors = perceptron.train(X, t, lr=0.1)
    assert errors == [1, 2, 1, 0]
    np.testing.assert_allclose(w, [0.1, 0.1], atol=1e-12)
    assert b == 0.0 and float(X[0] @ w + b) == 0.0


def test_is_the_learned_and_line_as_described():
    """Does x1 + x2 = 1.5 separate AND, and does the learned AND line pass exactly through (1, 0)?"""
    says("md_12", "x_1 + x_2 = 1.5", "It even leaves (1, 0) exactly on the line (sum 0")
    X, t = logic_gate("and")
    np.testing.assert_array_equal(perceptron.predict(X, [1.0, 1.0], -1.5), t)
    w, b, _ = perceptron.train(X, t, lr=0.1)
    assert float(np.array([1.0, 0.0]) @ w + b) == 0.0


# ---------------------------------------------------------------- 5. XOR


def test_are_the_xor_numbers_right():
    """100 epochs; mistakes 2, 3, then 4 for ever; epoch ends at w = (-0.1, 0), b = 0.1 from epoch 2; 400 updates?"""
    says("md_13", "with at most 100 epochs")
    says("md_14", "The mistakes never reach 0: 2, then 3, then 4 in every epoch from the third on",
         "From the second epoch on, the weights are back at \\mathbf{w} = (-0.1, 0), b = 0.1 at the end of each epoch",
         "Training ran all 100 epochs, 100 \\times 4 = 400 updates")
    X, t = logic_gate("xor")
    w, b, errors = perceptron.train(X, t, lr=0.1, max_epochs=100)
    assert len(errors) == 100 and errors[:2] == [2, 3] and set(errors[2:]) == {4}
    w, b = np.zeros(2), 0.0
    for epoch in range(1, 101):
        for x, target in zip(X, t):
            w, b = perceptron.update(w, b, x, target, 0.1)
        if epoch >= 2:
            np.testing.assert_allclose(w, [-0.1, 0.0], atol=1e-12)
            assert b == pytest.approx(0.1, abs=1e-12)


def test_does_xor_training_make_exactly_400_updates(monkeypatch):
    """Does train() apply the rule 100 x 4 = 400 times on XOR (the O(T m n) count)?"""
    calls = []
    real = perceptron.update
    monkeypatch.setattr(perceptron, "update", lambda *a, **k: calls.append(1) or real(*a, **k))
    X, t = logic_gate("xor")
    perceptron.train(X, t, lr=0.1, max_epochs=100)
    assert len(calls) == 100 * 4 == 400


def test_is_the_history_of_the_xor_limit_as_stated():
    """Minsky and Papert's book (1969); backpropagation widely known from 1986 (both dates from the notes' timeline)."""
    says("md_14", "In 1969 Marvin Minsky and Seymour Papert published *Perceptrons*",
         "until backpropagation became widely known in 1986 (chapter 3)")
    assert 1943 < 1969 < 1986  # the order of the notes' timeline: McCulloch-Pitts, Minsky-Papert, Rumelhart et al.


def test_does_the_player_stop_xor_after_20_epochs():
    """The prose says the training player stops XOR after 20 epochs: is that its default?"""
    from nnlib.widgets.perceptron import TrainingPlayer

    says("md_14", "choose XOR to watch the circle (it stops after 20 epochs)")
    assert inspect.signature(TrainingPlayer).parameters["max_epochs"].default == 20
    player = TrainingPlayer(gate="xor")
    assert len(player.run.errors_) == 20 and not player.run.converged_


def test_is_xor_out_of_reach_of_every_line_as_the_model_answer_argues():
    """Over a fine grid of (w1, w2, b), does XOR always keep at least 1 error while AND and OR reach 0?"""
    says("why_xor", "b \\le 0", "w_2 + b > 0", "w_1 + b > 0", "w_1 + w_2 + b \\le 0", "cross at (0.5, 0.5)")
    grid = np.linspace(-2, 2, 81)  # step 0.05, like the sliders
    W1, W2, B = np.meshgrid(grid, grid, grid, indexing="ij")
    H = (AND_INPUTS[:, 0, None, None, None] * W1 + AND_INPUTS[:, 1, None, None, None] * W2 + B)  # (4, 81, 81, 81)
    Y = (H > 0).astype(float)
    for gate, best in (("xor", 1), ("and", 0), ("or", 0)):
        t = logic_gate(gate)[1][:, None, None, None]
        assert int(np.abs(Y - t).sum(axis=0).min()) == best
    # The two diagonals of the square meet at their common midpoint (0.5, 0.5), where
    # the sum is the average of the sums at either pair of ends (it is affine).
    says("why_xor", "The sum there is the average of the sums at either pair of ends")
    np.testing.assert_array_equal((AND_INPUTS[1] + AND_INPUTS[2]) / 2, (AND_INPUTS[0] + AND_INPUTS[3]) / 2)
    np.testing.assert_array_equal((AND_INPUTS[0] + AND_INPUTS[3]) / 2, [0.5, 0.5])
    rng = np.random.default_rng(1)
    for w, b in zip(rng.normal(size=(20, 2)), rng.normal(size=20)):
        h = sums(AND_INPUTS, w, b)  # (4,)
        centre = float(np.array([0.5, 0.5]) @ w + b)
        assert centre == pytest.approx((h[1] + h[2]) / 2) == pytest.approx((h[0] + h[3]) / 2)


# ---------------------------------------------------------------- headings and points


def test_do_the_points_in_the_headings_match_the_grading_metadata():
    """Does "Exercise k — `name` (P points)" agree with the test cell's points, and the written answer's too?"""
    meta = {c.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: c.metadata["nbgrader"]
            for c in NB.cells if "grade_id" in c.metadata.get("nbgrader", {})}
    headings = re.findall(r"### Exercise (\d+) — `(\w+)` \((\d+) points?\)", "\n".join(SOURCES.values()))
    assert [int(k) for k, _, _ in headings] == [1, 2, 3, 4, 5]
    assert {name: int(p) for _, name, p in headings} == {
        "step": 1, "mp_neuron": 1, "perceptron_predict": 2, "perceptron_update": 2, "train_perceptron": 3}
    for _, name, points in headings:
        assert meta[f"{name}_test"]["points"] == int(points)
        assert f"hidden=True, points={points})" in SOURCES[f"{name}_test"]
    says("md_15", "Written answer (2 points, graded by hand)")
    assert meta["why_xor"]["points"] == 2
    says("why_xor", "2 points for", "1 point for")  # the rubric splits the cell's 2 points


def test_are_the_sections_numbered_in_order():
    """Are the chapter's sections numbered 1 to 5 in order?"""
    sections = re.findall(r"^## (\d+)\. ", "\n".join(SOURCES.values()), flags=re.MULTILINE)
    assert sections == ["1", "2", "3", "4", "5"]


# ---------------------------------------------------------------- the inventory


# Every numeral in the markdown, and what checks it.  A new number in the prose
# fails test_is_every_number_in_the_prose_accounted_for until it is added here
# with a test.
INVENTORY = {
    "0": "targets, outputs, zero weights, sums (trace, OR, XOR tests)",
    "0.0": "trace table and summary sums (trace tests)",
    "0.1": "eta and weights in the trace, OR and XOR (trace, OR, XOR tests)",
    "0.2": "final AND weights and sums, eta = 0.2 (summary, random-start tests)",
    "0.3": "b0 = 0.3 and eta = 0.3 of the random start (random-start test)",
    "0.4": "w0 = (0.5, -0.4), eta = 0.4 and the notes' range 0.1-0.4 (random-start test)",
    "0.5": "theta = 0.5 (OR neuron), b = -0.5 (widget), (0.5, 0.5) (model answer), w0 (random-start test)",
    "1": "binary inputs, targets, weights (1, 1), the constant input 1, counts (various)",
    "1.0": "w = np.array([1.0, 1.0]) in Exercise 2 (mp_neuron self-test)",
    "1.5": "theta = 1.5 and the line x1 + x2 = 1.5 (AND tests)",
    "2": "1 + 1 = 2, 2 errors, XOR mistakes, points, sections, chapter 2, squares",
    "2.8": "2.8e-17 (NAND rounding test)",
    "3": "mistakes per epoch, exercise/section 3, 3 points",
    "4": "epochs, updates per epoch, XOR mistakes, section/exercise 4 (OR, NAND, XOR tests)",
    "5": "exercise/section 5, row 5 of the trace",
    "6": "6 epochs (AND summary, NAND rounding, random start), trace row 6, chapter 6",
    "7": "trace row 7, 7 epochs (random-start test)",
    "8": "trace row 8",
    "9": "9 epochs from the random start (random-start test)",
    "10": "10^{-17} (NAND rounding test)",
    "17": "10^{-17} (NAND rounding test)",
    "20": "player's epoch limit (player test)",
    "24": "updates until AND converges (summary test)",
    "100": "XOR epochs (XOR tests)",
    "400": "XOR updates (update-count test)",
    "1943": "McCulloch and Pitts' paper: a date from the lecture notes, not computable",
    "1969": "Minsky and Papert's Perceptrons: a date from the notes' timeline (history test)",
    "1986": "backpropagation widely known (Rumelhart, Hinton and Williams): a date from the notes' timeline",
}


def test_is_every_number_in_the_prose_accounted_for():
    """Does the markdown contain exactly the numerals of the inventory above?"""
    assert unaccounted(NB, INVENTORY) == ""
