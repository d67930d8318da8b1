"""What the chapter 01-03 widgets draw: arrows that reach their boxes, labels clear of arrows, boxes and curves.

Measured in display pixels on the rendered figures, for every step of the
graph stepper, every stage of the 2-2-1 animation and every layer of the
gradient-check panel.  Also: the figures typeset their math (no ``yhat``,
``x^T``, ``df/dx``), and no widget text needs a glyph that Debian's default
font lacks (the "ⓘ" of an earlier status line showed as a box).
"""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from nnlib.widgets._geometry import hits_segment, label_spot, segment_between
from nnlib.widgets.backprop import STAGES, BackpropAnimation
from nnlib.widgets.gradcheck import LAYERS, GradcheckPanel
from nnlib.widgets.graph import EXPRESSIONS, GraphStepper
from matplotlib.transforms import Bbox


def boundary_distance(point, box) -> float:
    """Pixels from ``point`` to the frame of ``box`` (0 on the frame, inside or outside)."""
    x, y = point
    if box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1:
        return min(x - box.x0, box.x1 - x, y - box.y0, box.y1 - y)
    return float(np.hypot(max(box.x0 - x, 0, x - box.x1), max(box.y0 - y, 0, y - box.y1)))


def assert_arrows_end_on_boxes(arrows, boxes, tolerance=1.5):
    for start, end in arrows:
        for point in (start, end):
            assert min(boundary_distance(point, b) for b in boxes) <= tolerance, (point, "is not on a box frame")


def assert_labels_clear(labels, boxes, arrows, renderer, own=None):
    """No label overlaps a box or another label, or has an arrow through it."""
    extents = [t.get_window_extent(renderer) for t in labels]
    for i, (text, box) in enumerate(zip(labels, extents)):
        name = text.get_text()
        assert not any(box.overlaps(b) for b in boxes), f"label {name!r} touches a node box"
        assert not any(box.overlaps(o) for j, o in enumerate(extents) if j != i), f"label {name!r} touches a label"
        assert not any(hits_segment(box, a, b) for a, b in arrows), f"label {name!r} sits on an arrow"


def all_graph_frames():
    for expression in EXPRESSIONS:
        w = GraphStepper(expression=expression)
        k = w.n_ops
        for _ in range(2 * k + 2):
            yield expression, w
            if w.step < k:
                w.forward_step()
            else:
                w.backward_step()


# ------------------------------------------------------------------ geometry helpers


def test_does_an_arrow_run_from_frame_to_frame():
    """segment_between: starts on the first box's frame and ends on the second's, also shifted sideways."""
    a, b = Bbox([[0, 0], [40, 20]]), Bbox([[200, 100], [260, 160]])
    for offset in (0.0, 5.0, -5.0):
        start, end = segment_between(a, b, offset=offset)
        assert boundary_distance(start, a) < 1e-9 and boundary_distance(end, b) < 1e-9
    up, down = segment_between(a, b, offset=5.0), segment_between(a, b, offset=-5.0)
    assert np.linalg.norm(up[0] - down[0]) > 5  # two distinct arrows


@pytest.mark.parametrize("end", [(100, 0), (100, 60), (100, -60), (0, 80)])
@pytest.mark.parametrize("side", [1, -1])
def test_does_a_label_stay_on_its_side_of_the_segment(end, side):
    """label_spot's anchor and alignment keep the whole text on the side asked for."""
    import matplotlib.figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = matplotlib.figure.Figure(figsize=(4, 4), dpi=100)
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    start, end = np.array([150.0, 150.0]), np.array([150.0, 150.0]) + end
    (x, y), ha, va = label_spot(start, end, side, gap=3.0)
    text = fig.text(x, y, "-0.004705", ha=ha, va=va, transform=None)
    assert not hits_segment(text.get_window_extent(renderer), start - 1000 * (end - start), start + 1000 * (end - start))


# ------------------------------------------------------------------ graph stepper


def test_do_the_graph_arrows_end_at_the_boxes_and_labels_keep_clear():
    """Every frame of every expression: arrows from frame to frame; labels off boxes, arrows and each other."""
    for expression, w in all_graph_frames():
        renderer = w.view.figure.canvas.get_renderer()
        assert_arrows_end_on_boxes(w.arrows, w.boxes)
        assert_labels_clear(w.label_texts, w.boxes, w.arrows, renderer)


def test_are_both_uses_of_z_drawn_with_their_sum():
    """f = x y + z z: two arrows from z to s, each labelled -4 x 1 = -4; z's gradient shown as -4 + (-4) = -8."""
    w = GraphStepper(expression="f = x * y + z * z")
    for _ in range(10):
        w.forward_step()
        w.backward_step()
    z_edges = [label for (child, parent, use), label in w.edge_labels.items() if use in (0, 1)]
    s_labels = [v for (c, p, use), v in w.edge_labels.items()]
    assert s_labels.count("-4 × 1 = -4") == 2
    texts = [t.get_text() for t in w.label_texts]
    assert r"$\partial f/\partial z$ = $-4 + (-4) = -8$" in texts
    assert sum("-4 \\times 1 = -4" in t for t in texts) == 2
    assert len(w.arrows) == 6  # x, y -> p; z -> s twice; p, s -> f
    assert w.grads["z"] == -8.0 and z_edges


def test_is_a_single_use_gradient_shown_without_a_sum():
    w = GraphStepper()
    for _ in range(10):
        w.forward_step()
        w.backward_step()
    texts = [t.get_text() for t in w.label_texts]
    assert r"$\partial f/\partial x$ = $-4$" in texts and not any("+ (" in t for t in texts)


def test_does_the_graph_figure_typeset_its_math():
    """Formulas in mathtext: no 'df/dx' or '*' on the figure."""
    for _, w in all_graph_frames():
        fig = w.view.figure
        texts = [t.get_text() for t in fig.texts] + [t.get_text() for t in w.ax.texts]
        for text in texts:
            assert "df/d" not in text and " * " not in text, text


# ------------------------------------------------------------------ 2-2-1 animation


@pytest.mark.parametrize("stage", range(len(STAGES)))
def test_do_the_animation_arrows_end_at_the_boxes_and_labels_keep_clear(stage):
    """Arrows touch both boxes (they used to stop 50-75 px short); weights and gradients touch nothing else."""
    w = BackpropAnimation(stage=stage)
    renderer = w.view.figure.canvas.get_renderer()
    assert_arrows_end_on_boxes(w.arrows, list(w.boxes.values()))
    assert_labels_clear(w.edge_texts, list(w.boxes.values()), w.arrows, renderer)
    figure = w.view.figure.bbox
    for box in w.boxes.values():
        assert figure.x0 <= box.x0 and box.x1 <= figure.x1, "a node box is cut off"


def test_are_the_animation_nodes_named_and_its_math_typeset():
    """Nodes h1, h2, y-hat, J carry their names; no 'yhat', 'x^T' or 'dJ/d' anywhere on the figure."""
    w = BackpropAnimation(stage=len(STAGES) - 1)
    node_text = {name: w.ax.texts[i].get_text() for i, name in enumerate(w.boxes)}
    assert node_text["h1"].startswith("$h_1$") and node_text["h2"].startswith("$h_2$")
    assert node_text["o"].startswith(r"$\hat{y}$") and node_text["J"].startswith("$J$")
    for stage in range(len(STAGES)):
        w.controls["stage"].value = stage
        for text in w.shown_text():
            assert "yhat" not in text and "x^T" not in text and "dJ/d" not in text, text
    assert any(r"x^{\top}" in formula for _, _, formula in STAGES)


# ------------------------------------------------------------------ gradient-check panel


@pytest.mark.parametrize("layer", list(LAYERS))
def test_does_the_curve_leave_the_threshold_labels_alone(layer):
    """For every layer, the error curve crosses neither threshold label, and each label is on its line's side."""
    w = GradcheckPanel(layer=layer)
    ax = w._ax_curve
    points = ax.transData.transform(np.column_stack([np.logspace(-10, -1, 37), np.maximum(w.curve, 1e-13)]))
    for box in w.threshold_boxes:
        assert not any(hits_segment(box, a, b) for a, b in zip(points[:-1], points[1:]))
    (_, low, low_side), (_, high, high_side) = w._threshold_labels  # "below 1e-7", "above 1e-5"
    assert (low, low_side, high, high_side) == (1e-7, -1, 1e-5, 1)
    low_line, high_line = (ax.transData.transform((1e-5, v))[1] for v in (low, high))
    assert w.threshold_boxes[0].y1 <= low_line and w.threshold_boxes[1].y0 >= high_line


# ------------------------------------------------------------------ glyphs


def _dejavu_charmap() -> set[int]:
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return set(FT2Font(path).get_charmap())


def test_do_status_lines_use_only_glyphs_every_font_has():
    """The training player's fallback note reads "Note:", with no ⓘ; its characters are all in DejaVu Sans."""
    from nnlib.widgets.perceptron import TrainingPlayer

    def stub(X, t, lr=0.1, max_epochs=100):
        raise NotImplementedError

    w = TrainingPlayer(train=stub)
    assert "ⓘ" not in w.status.value and "Note:" in w.status.value
    charmap = _dejavu_charmap()
    import re
    plain = re.sub(r"<[^>]+>", "", w.status.value)
    assert all(ord(ch) in charmap for ch in plain), [ch for ch in plain if ord(ch) not in charmap]
