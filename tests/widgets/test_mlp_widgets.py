"""Chapter 02 widgets: the activation explorer and the XOR space-warping view."""

import ipywidgets as widgets
import numpy as np
import pytest

from nnlib import activations as act
from nnlib.mlp import mlp_forward
from nnlib.widgets import activation_explorer, xor_space_warp
from nnlib.widgets.activations import ActivationExplorer, curves, describe
from nnlib.widgets.xor import XorSpaceWarp, probe_forward
from widget_support import png, pixels, full_redraw


@pytest.mark.parametrize("start, control, value", [
    ("sigmoid", "name", "relu"),
    ("sigmoid", "name", "softmax"),
    ("elu", "alpha", 0.4),
    ("leaky_relu", "fit", True),
    ("leaky_relu", "alpha", 0.3),
    ("swish", "beta", 2.5),
])
def test_does_every_explorer_control_redraw_the_figure(start, control, value):
    """Does choosing another function or moving alpha / beta change the picture?"""
    w = ActivationExplorer(name=start)
    before = png(w)
    assert before[:8] == b"\x89PNG\r\n\x1a\n"
    w.controls[control].value = value
    assert png(w) != before


@pytest.mark.parametrize("name, shown", [
    ("sigmoid", set()), ("relu", set()), ("leaky_relu", {"alpha"}), ("elu", {"alpha"}), ("swish", {"beta"}),
])
def test_are_parameter_sliders_shown_and_enabled_only_where_they_apply(name, shown):
    """Is alpha offered for leaky ReLU and ELU only, and beta for swish only?"""
    w = ActivationExplorer(name="tanh")
    w.controls["name"].value = name
    for param in ("alpha", "beta"):
        slider = w.controls[param]
        assert (slider.layout.display != "none") == (param in shown)
        assert slider.disabled == (param not in shown)


def test_does_choosing_a_function_load_its_default_parameter():
    """Switching to leaky ReLU sets alpha = 0.01, to ELU alpha = 1, with one redraw each."""
    w = ActivationExplorer(name="sigmoid")
    w.controls["name"].value = "elu"
    assert w.controls["alpha"].value == 1.0
    np.testing.assert_allclose(w.f, act.elu(np.linspace(-6, 6, 1201), alpha=1.0))
    w.controls["name"].value = "leaky_relu"
    assert w.controls["alpha"].value == 0.01
    np.testing.assert_allclose(w.df[:10], 0.01)


def test_are_the_plotted_curves_nnlibs_function_and_derivative():
    """Do the two lines show f and f' of nnlib, with the slider's parameter?"""
    w = ActivationExplorer(name="swish")
    w.controls["beta"].value = 2.0
    z = np.linspace(-6, 6, 1201)
    np.testing.assert_allclose(w.line_f.get_ydata(), act.swish(z, beta=2.0))
    np.testing.assert_allclose(w.line_d.get_ydata(), act.swish_grad(z, beta=2.0))


def test_is_the_two_class_softmax_shown_as_the_sigmoid():
    """Is the first entry of softmax((z, 0)) exactly sigmoid(z), and its slope sigmoid'(z)?"""
    z = np.linspace(-6, 6, 1201)
    f, df = curves("softmax")
    np.testing.assert_allclose(f, act.sigmoid(z), rtol=1e-12)
    np.testing.assert_allclose(df, act.sigmoid_grad(z), rtol=1e-10, atol=1e-16)


@pytest.mark.parametrize("name, kwargs, range_text, saturated", [
    # s(1 - s) < 0.05 where s < (1 - sqrt(0.8)) / 2, i.e. |z| > ln(0.0528 / 0.9472) = 2.887
    ("sigmoid", {}, "(0, 1)", [(-6.0, -2.89), (2.89, 6.0)]),
    # 1 - tanh^2 < 0.05 where |z| > artanh(sqrt(0.95)) = 2.178
    ("tanh", {}, "(−1, 1)", [(-6.0, -2.18), (2.18, 6.0)]),
    ("relu", {}, "[0, ∞)", [(-6.0, 0.0)]),  # slope 0 for z <= 0 (the kink counts as 0)
    ("identity", {}, "(−∞, ∞)", []),
    ("step", {}, "{0, 1}", [(-6.0, 6.0)]),
    ("elu", {"alpha": 0.5}, "(−α, ∞) = (−0.5, ∞)", [(-6.0, -2.31)]),  # 0.5 e^z < 0.05 for z < ln 0.1
    ("elu", {"alpha": 1.0}, "(−α, ∞) = (−1, ∞)", [(-6.0, -3.0)]),  # e^z < 0.05 for z < ln 0.05 = -3.0
    # the slope also passes through 0 at GELU's minimum (near z = -0.75): the curve turns there, not saturated
    ("gelu", {}, "[−0.17, ∞)", [(-6.0, -2.35)]),
    ("swish", {"beta": 1.0}, "[−0.28, ∞)", [(-6.0, -4.09)]),
])
def test_does_describe_give_the_range_and_the_saturated_stretches(name, kwargs, range_text, saturated):
    """Are the range and the stretches with |f'| < 0.05 the ones the explorer prints?"""
    info = describe(name, **kwargs)
    assert info["range"] == range_text
    assert len(info["saturated"]) == len(saturated)
    for (a, b), (a0, b0) in zip(info["saturated"], saturated):
        assert a == pytest.approx(a0, abs=0.011) and b == pytest.approx(b0, abs=0.011)


def test_is_only_a_flat_tail_shaded_never_a_turning_point():
    """For every function and parameter, each shaded stretch reaches an end of [-6, 6], and |f'| < 0.05 all along it."""
    from nnlib.widgets.activations import PARAMETERS, RANGES

    z = np.linspace(-6, 6, 1201)
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus", "swish", "softsign", "softmax"):
        values = np.linspace(*RANGES[name], 7) if name in PARAMETERS else [None]
        for v in values:
            kwargs = {} if v is None else {PARAMETERS[name][0]: float(v)}
            info = describe(name, **kwargs)
            _, df = curves(name, **kwargs)
            for a, b in info["saturated"]:
                assert a <= -6.0 or b >= 6.0, (name, kwargs, a, b)
                inside = (z >= a) & (z <= b)
                assert np.all(np.abs(df[inside]) < 0.05)


def test_do_the_axes_stay_put_while_a_slider_moves():
    """Leaky ReLU at alpha = 0.01, 0.5 and 1 is drawn on the same axes (so the pictures differ); 'fit axes' zooms."""
    w = ActivationExplorer(name="leaky_relu")
    limits, frames = set(), []
    for alpha in (0.01, 0.5, 1.0):
        w.controls["alpha"].value = alpha
        limits.add((w.ax_f.get_ylim(), w.ax_d.get_ylim()))
        frames.append(png(w))
        f_lo, f_hi = w.ax_f.get_ylim()
        assert f_lo <= w.f.min() and w.f.max() <= f_hi  # the whole curve is on the axes
    assert len(limits) == 1 and len(set(frames)) == 3
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))
    w.controls["alpha"].value = 0.01
    fixed = w.ax_f.get_ylim()
    w.controls["fit"].value = True
    assert w.ax_f.get_ylim() != fixed and w.ax_f.get_ylim()[0] > fixed[0]  # zoomed in on the nearly flat left half
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


@pytest.mark.parametrize("name, lo, hi, default", [("leaky_relu", 0.0, 1.0, 0.01), ("elu", 0.1, 2.0, 1.0),
                                                   ("swish", 0.1, 5.0, 1.0)])
def test_does_each_function_get_a_sensible_parameter_range(name, lo, hi, default):
    """Leaky ReLU's alpha runs 0-1, ELU's 0.1-2, swish's beta 0.1-5, whichever function was shown before."""
    for start in ("sigmoid", "leaky_relu", "elu", "swish"):
        w = ActivationExplorer(name=start)
        w.controls["name"].value = name
        slider = w.controls["beta" if name == "swish" else "alpha"]
        assert (slider.min, slider.max, slider.value) == (lo, hi, default)


def test_is_elus_range_printed_without_minus_zero():
    """At the smallest alpha the range reads (−0.1, ∞); no "−0.00" at any alpha the slider offers."""
    w = ActivationExplorer(name="elu")
    w.controls["alpha"].value = w.controls["alpha"].min
    assert w.info["range"] == "(−α, ∞) = (−0.1, ∞)"
    for alpha in np.linspace(0.1, 2.0, 20):
        assert "−0.00" not in describe("elu", alpha=float(alpha))["range"]
        assert "−0)" not in describe("elu", alpha=float(alpha))["range"]


def test_are_the_titles_mathtext():
    """The figure's formulas are typeset (mathtext), not ASCII such as e^z."""
    w = ActivationExplorer(name="elu")
    assert "$" in w.ax_f.get_title() and "e^z" not in w.ax_f.get_title()
    assert r"\alpha e^{z}" in w.ax_d.get_title()


def test_does_the_status_line_state_formula_range_and_saturation():
    """Does the text under the figure say what the figure shows?"""
    w = ActivationExplorer(name="sigmoid")
    assert "1 / (1 + e^(−z))" in w.status.value
    assert "range (0, 1)" in w.status.value
    assert "z ≤ −2.89 and z ≥ 2.89" in w.status.value


def test_is_a_blitted_explorer_frame_identical_to_a_full_redraw():
    """After a slider move, is the fast frame pixel for pixel what a full draw gives?"""
    w = ActivationExplorer(name="elu")
    w.controls["alpha"].value = 0.37
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


def test_is_a_function_revisited_drawn_from_its_cached_background_exactly():
    """Switching back to a function reuses its background: is the frame the same as a full draw?"""
    w = ActivationExplorer(name="sigmoid")
    first = pixels(png(w))
    w.controls["name"].value = "tanh"
    w.controls["name"].value = "sigmoid"
    assert len(w._backgrounds) == 2  # one rendered background per function seen, reused on return
    np.testing.assert_array_equal(pixels(png(w)), first)
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


def test_does_hide_keep_a_control_off_the_screen():
    """Can a lecturer hide the dropdown, and is an unknown name rejected?"""
    w = ActivationExplorer(name="relu", hide=("name",))
    assert w.controls["name"] not in w.widget.children[0].children
    with pytest.raises(ValueError, match="unknown controls"):
        ActivationExplorer(hide=("gamma",))
    with pytest.raises(ValueError, match="name must be one of"):
        ActivationExplorer(name="sigmoidd")


# ------------------------------------------------------------ XOR space warp


def my_mlp_forward(X, params, activations):
    """A correct student implementation, written independently of nnlib.mlp."""
    table = {"relu": lambda z: np.maximum(z, 0), "identity": lambda z: z,
             "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh}
    A, caches = X, []
    for (W, b), name in zip(params, activations):
        Z = A @ W + b
        caches.append((A, Z, table[name](Z)))
        A = caches[-1][2]
    return A, caches


def stub_forward(X, params, activations):
    raise NotImplementedError()


def forward_without_bias(X, params, activations):
    return my_mlp_forward(X, [(W, 0 * b) for W, b in params], activations)


def test_does_the_default_network_solve_xor():
    """With W = [[1, 1], [1, 1]], c = (0, -1), w = (1, -2), b = 0: hidden (0,0),(1,0),(1,0),(2,1), outputs 0,1,1,0?"""
    w = XorSpaceWarp()
    np.testing.assert_array_equal(w.hidden, [[0, 0], [1, 0], [1, 0], [2, 1]])
    np.testing.assert_array_equal(w.outputs, [0, 1, 1, 0])
    np.testing.assert_array_equal(w.predictions, [0, 1, 1, 0])
    assert "XOR solved" in w.ax_out.get_title()
    assert w.wrong.get_offsets().shape[0] == 0


def test_is_the_decision_image_the_network_output_over_input_space():
    """Is each pixel of the right panel y > 0.5 of nnlib's network at that input?"""
    w = XorSpaceWarp()
    image = np.asarray(w.image.get_array())  # (S, S), rows along x2
    S = image.shape[0]
    u = np.linspace(-0.5, 1.5, S)
    i, j = 10, 70  # some pixel: x1 = u[j], x2 = u[i]
    (W1, b1), (W2, b2) = [(np.ones((2, 2)), np.array([0.0, -1.0])), (np.array([[1.0], [-2.0]]), np.zeros(1))]
    y = np.maximum(np.array([u[j], u[i]]) @ W1 + b1, 0) @ W2 + b2
    assert image[i, j] == float(y[0] > 0.5)


@pytest.mark.parametrize("control, value", [("w11", 0.5), ("w22", -1.0), ("c1", 0.5), ("c2", 0.0)])
def test_does_every_weight_slider_redraw_the_figure(control, value):
    """Does each of the four hidden weights and two biases change the picture?"""
    w = XorSpaceWarp()
    before = png(w)
    w.controls[control].value = value
    assert png(w) != before


def test_does_c2_zero_make_the_network_linear_and_fail():
    """With c2 = 0 both units are on for every input: outputs 0, -1, -1, -2, two points wrong."""
    w = XorSpaceWarp()
    w.controls["c2"].value = 0.0
    np.testing.assert_allclose(w.outputs, [0, -1, -1, -2])
    assert w.ax_out.get_title().endswith("2 wrong")
    np.testing.assert_array_equal(w.wrong.get_offsets(), [[0, 1], [1, 0]])


def test_is_a_blitted_xor_frame_identical_to_a_full_redraw():
    """After a slider move, is the fast frame pixel for pixel what a full draw gives?"""
    w = XorSpaceWarp()
    w.controls["w12"].value = 0.35
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


def test_does_a_correct_student_forward_power_the_widget():
    """Is a working mlp_forward used for every frame, and does the status say so?"""
    calls = []

    def forward(X, params, activations):
        calls.append(len(X))
        return my_mlp_forward(X, params, activations)

    w = XorSpaceWarp(forward=forward)
    assert w.using_student and "using your <code>forward</code>" in w.status.value
    n = len(calls)
    w.controls["c1"].value = 0.25
    assert len(calls) == n + 1  # one call per frame
    np.testing.assert_allclose(w.outputs, mlp_forward(np.array([[0, 0], [0, 1], [1, 0], [1, 1.0]]),
                                                      [(np.array([[1, 1], [1, 1.0]]), np.array([0.25, -1])),
                                                       (np.array([[1], [-2.0]]), np.zeros(1))],
                                                      ["relu", "identity"])[0].ravel())


@pytest.mark.parametrize("forward, note", [
    (stub_forward, "is not implemented yet"),
    (forward_without_bias, "does not yet agree with nnlib's"),
    (lambda X, params, activations: 1 / 0, "raised ZeroDivisionError"),
])
def test_does_a_stub_or_wrong_forward_fall_back_to_nnlib_with_a_note(forward, note):
    """Is a stub, a wrong or a crashing mlp_forward replaced by nnlib's, visibly?"""
    w = XorSpaceWarp(forward=forward)
    assert not w.using_student
    assert note in w.status.value and "nnlib's mlp_forward draws this" in w.status.value
    np.testing.assert_array_equal(w.outputs, [0, 1, 1, 0])


def test_does_a_forward_that_breaks_later_fall_back_for_good():
    """If the student's function passes the probe but raises on some frame, does the widget carry on with nnlib?"""
    def fragile(X, params, activations):
        if len(X) > 100 and params[0][1][0] > 0.5:  # frames only, not the probe
            raise ValueError("bias too big")
        return my_mlp_forward(X, params, activations)

    w = XorSpaceWarp(forward=fragile)
    assert w.using_student
    w.controls["c1"].value = 1.0
    assert not w.using_student and "bias too big" in w.status.value
    # drawn by nnlib now: x = (0, 0) gives h = (relu(0 + 1), relu(0 - 1)) = (1, 0), so y = 1
    assert w.outputs[0] == 1.0


def test_does_probe_forward_accept_nnlibs_own_function():
    """The reference itself passes the probe (a sanity check of the probe)."""
    assert probe_forward(mlp_forward)[0]
    assert not probe_forward(stub_forward)[0]


# ------------------------------------------------------------ grading mode


@pytest.mark.parametrize("make", [activation_explorer, xor_space_warp])
def test_do_the_widgets_draw_nothing_while_nbgrader_grades(make, monkeypatch):
    """While NBGRADER_EXECUTION is set, is a one-line placeholder shown instead of a figure?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    shown = make()
    assert isinstance(shown, widgets.HTML)
    assert "not drawn while the notebook is graded" in shown.value


def test_do_the_notebook_helpers_build_the_widgets():
    """Do the one-line helpers return the widget classes with their arguments?"""
    w = activation_explorer("tanh")
    assert isinstance(w, ActivationExplorer) and w.name == "tanh"
    x = xor_space_warp(c=(0.0, 0.0), forward=my_mlp_forward)
    assert isinstance(x, XorSpaceWarp) and x.using_student
    np.testing.assert_allclose(x.outputs, [0, -1, -1, -2])
