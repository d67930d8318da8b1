"""A computational graph, stepped through forward and then backward.

The expression is built from :class:`nnlib.autodiff.Value` leaves ``x``,
``y``, ``z`` and laid out from :func:`nnlib.autodiff.trace`: leaves on the
left, each result one column right of its deepest operand.  *Forward step*
computes one node (its value appears in the box); once the root is known,
*Backward step* seeds ``df/df = 1`` and then processes one node at a time,
writing on each incoming edge ``local x upstream = contribution`` and adding
the contribution to the operand's gradient.  An operand used twice by one
node (``z * z``) gets two arrows, one per use, each with its own
contribution, and its gradient is shown as their sum (``-4 + (-4) = -8``).
*Reset* starts again; editing x, y or z also starts again.

Drawing: the node boxes are placed first and measured, then every arrow runs
from the edge of one box to the edge of the next (``_geometry.py``), and its
label sits beside it, never on it.  Formulas are typeset with matplotlib's
mathtext.

The local gradient of a node with respect to an operand is read from the
node's own ``_backward`` closure: with every gradient 0 and the node's set to
1, one call leaves ``d node / d operand`` in the operand.  So the widget needs
no table of derivative rules and shows whatever nnlib computes.
"""
from __future__ import annotations

import ipywidgets as widgets
from matplotlib.patches import FancyArrowPatch

from nnlib.autodiff import Value, trace
from nnlib.widgets._base import show
from nnlib.widgets._diagram import DiagramWidget
from nnlib.widgets._geometry import box_of, free_spot, label_spot, segment_between, to_data

__all__ = ["EXPRESSIONS", "GraphStepper", "graph_stepper"]


def _lecture(x, y, z):
    q = x + y
    q.label = "q"
    f = q * z
    return f


def _reuse(x, y, z):
    p = x * y
    p.label = "p"
    s = z * z
    s.label = "s"
    return p + s


def _neuron(x, y, z):
    p = x * y
    p.label = "p"
    s = p + z
    s.label = "s"
    return s.tanh()


# name shown in the dropdown -> (builder(x, y, z) returning the root Value, inputs to start from)
# (the same expressions typeset for the figure are in TEX)
EXPRESSIONS = {
    "f = (x + y) * z": (_lecture, (-2.0, 5.0, -4.0)),  # the lecture's example
    "f = x * y + z * z": (_reuse, (-2.0, 5.0, -4.0)),  # z used twice: its gradient adds up
    "f = tanh(x * y + z)": (_neuron, (0.5, -1.0, 0.8)),  # one neuron; large |x y + z| saturates tanh
}
TEX = {"f = (x + y) * z": r"$f = (x + y)\,z$", "f = x * y + z * z": r"$f = x\,y + z\,z$",
       "f = tanh(x * y + z)": r"$f = \tanh(x\,y + z)$"}
_BINARY = "+-*/"
_TEX_OP = {"+": "+", "-": "-", "*": r"\cdot", "/": "/"}


def _num(v: float) -> str:
    """3 significant digits, no '-0'."""
    v = 0.0 if abs(v) < 5e-13 else float(v)
    return f"{v:.3g}"


def _formula(n, with_numbers=True) -> str:
    """'q = x + y = -2 + 5 = 3' for a binary node, 'f = tanh(s) = tanh(1) = 0.762' for a unary one."""
    operands = list(n._prev) * (2 if len(n._prev) == 1 and n._op in "+-*/" else 1)  # z * z keeps z once
    names = [c.label or _num(c.data) for c in operands]
    numbers = [_num(c.data) for c in operands]
    if len(operands) == 2:
        symbolic, numeric = f"{names[0]} {n._op} {names[1]}", f"{numbers[0]} {n._op} {numbers[1]}"
    else:
        symbolic, numeric = f"{n._op}({names[0]})", f"{n._op}({numbers[0]})"
    if not with_numbers:
        return f"{n.label} = {symbolic}"
    return f"{n.label} = {symbolic} = {numeric} = {_num(n.data)}"


def _times(local: float, upstream: float) -> str:
    """'1 × (-4) = -4': the chain rule on one edge."""
    up = _num(upstream)
    return f"{_num(local)} × {'(' + up + ')' if upstream < 0 else up} = {_num(local * upstream)}"


def _math(text: str) -> str:
    """Plain text of the status line as mathtext: '1 × (-4) = -4' -> '$1 \\times (-4) = -4$'."""
    return "$" + text.replace("×", r"\times").replace("*", r"\cdot") + "$"


def _d(root, node) -> str:
    """'$\\partial f/\\partial x$' for the gradient of root w.r.t. node."""
    return rf"$\partial {root.label}/\partial {node.label or 'c'}$"


def _formula_tex(n, with_numbers=True) -> str:
    """_formula typeset: '$q = x + y = -2 + 5 = 3$', '$f = \\tanh(s)$'."""
    operands = list(n._prev) * (2 if len(n._prev) == 1 and n._op in _BINARY else 1)
    names = [c.label or _num(c.data) for c in operands]
    numbers = [_num(c.data) for c in operands]
    numbers = [f"({v})" if v.startswith("-") and len(operands) == 2 and i == 1 else v for i, v in enumerate(numbers)]
    if len(operands) == 2:
        op = _TEX_OP.get(n._op, n._op)
        symbolic, numeric = f"{names[0]} {op} {names[1]}", f"{numbers[0]} {op} {numbers[1]}"
    else:
        symbolic, numeric = rf"\{n._op}({names[0]})", rf"\{n._op}({numbers[0]})"
    if not with_numbers:
        return f"${n.label} = {symbolic}$"
    return f"${n.label} = {symbolic} = {numeric} = {_num(n.data)}$"


class GraphStepper(DiagramWidget):
    """Forward / Backward step buttons over a drawn expression graph.

    After a frame, ``boxes`` holds the nodes' display boxes, ``arrows`` the
    (start, end) display points of every arrow and ``label_texts`` the
    gradient and edge labels (what the tests measure).

    ``step`` counts the steps taken: 1..K compute the K operation nodes,
    K + 1 seeds the root's gradient, K + 2..2K + 1 run the nodes' backward
    functions from the root down.  ``grads`` (label -> gradient so far) and
    ``values`` (label -> value, or None while not computed) are what the
    figure shows.
    """

    FORWARD, BACKWARD, IDLE = "#1f77b4", "#d62728", "#444444"

    def __init__(self, x=None, y=None, z=None, expression="f = (x + y) * z", hide=()):
        super().__init__(figsize=(8.6, 3.6), hide=hide, axes_rect=(0.0, 0.14, 1.0, 0.76))
        if expression not in EXPRESSIONS:
            raise ValueError(f"expression must be one of {list(EXPRESSIONS)}, got {expression!r}")
        defaults = EXPRESSIONS[expression][1]
        x, y, z = (defaults[i] if v is None else v for i, v in enumerate((x, y, z)))
        text = dict(step=0.5)
        self.controls["expression"] = widgets.Dropdown(options=list(EXPRESSIONS), value=expression, description="graph")
        self.controls["x"] = widgets.FloatText(value=float(x), description="x", **text)
        self.controls["y"] = widgets.FloatText(value=float(y), description="y", **text)
        self.controls["z"] = widgets.FloatText(value=float(z), description="z", **text)
        self.controls["forward"] = widgets.Button(description="Forward step", icon="arrow-right")
        self.controls["backward"] = widgets.Button(description="Backward step", icon="arrow-left")
        self.controls["reset"] = widgets.Button(description="Reset", icon="undo")
        self.controls["forward"].on_click(lambda _b: self.forward_step())
        self.controls["backward"].on_click(lambda _b: self.backward_step())
        self.controls["reset"].on_click(lambda _b: self.reset())
        self.step = 0
        self._wire()

    # -- the graph and the steps ------------------------------------------
    def _build(self):
        """Fresh leaves, the root, and trace's nodes/edges; every node gets a label."""
        c = self.controls
        leaves = {name: Value(float(c[name].value), label=name) for name in ("x", "y", "z")}
        root = EXPRESSIONS[c["expression"].value][0](leaves["x"], leaves["y"], leaves["z"])
        root.label = root.label or "f"
        nodes, edges = trace(root)
        # the order in which forward computes (leaves are given) and backward visits
        ops = [n for n in nodes if n._prev]
        return root, nodes, edges, ops

    @staticmethod
    def _local(node, child) -> float:
        """d node / d child from the node's own backward closure (both uses, if the child appears twice)."""
        saved = [(n, n.grad) for n in (node, *node._prev)]
        for n in node._prev:
            n.grad = 0.0
        node.grad = 1.0
        node._backward()
        local = child.grad
        for n, g in saved:
            n.grad = g
        return local

    @classmethod
    def _uses(cls, node) -> list:
        """(operand, local gradient) for each use of an operand: z * z gives z twice, each with local gradient z.

        The closure reports the two uses together (2z); the first use's share
        follows from the operation (the other operand for *, 1 for + and -,
        1/b for /), the second use gets the rest.
        """
        if len(node._prev) == 1 and node._op in _BINARY:  # both operands are the same Value
            (child,) = node._prev
            total = cls._local(node, child)
            first = {"*": child.data, "+": 1.0, "-": 1.0, "/": 1.0 / child.data if child.data else 0.0}[node._op]
            return [(child, first), (child, total - first)]
        return [(child, cls._local(node, child)) for child in node._prev]

    @property
    def n_ops(self) -> int:
        return len(self._build()[3])

    def forward_step(self) -> None:
        if self.step < self.n_ops:
            self.step += 1
            self.update()

    def backward_step(self) -> None:
        k = self.n_ops
        if k <= self.step < 2 * k + 1:
            self.step += 1
            self.update()

    def reset(self) -> None:
        self.step = 0
        self.update()

    def frame_key(self):
        c = self.controls  # the graph, its inputs and how far the walk went: the picture follows from them
        return (c["expression"].value, float(c["x"].value), float(c["y"].value), float(c["z"].value), self.step)

    def _wire(self) -> None:
        # a new expression brings its own inputs; any edit starts the walk again
        unknown = self.hidden_controls - set(self.controls)
        if unknown:
            raise ValueError(f"hide names unknown controls {sorted(unknown)}; known: {sorted(self.controls)}")
        self._holding = False
        self.controls["expression"].observe(self._new_expression, names="value")
        for name in ("x", "y", "z"):
            self.controls[name].observe(lambda _change: self._holding or self.reset(), names="value")
        self.update()

    def _new_expression(self, change) -> None:
        self._holding = True
        try:
            for name, value in zip(("x", "y", "z"), EXPRESSIONS[change["new"]][1]):
                self.controls[name].value = value
        finally:
            self._holding = False
        self.reset()

    def _walk(self):
        """Values, gradients and edge labels after ``self.step`` steps; the status message and the figure's lines.

        ``edge_text`` maps (id(child), id(parent), use) to the edge's label,
        ``parts`` maps id(node) to the contributions its gradient received.
        """
        root, nodes, edges, ops = self._build()
        k = len(ops)
        values = {id(n): (n.data if (not n._prev or ops.index(n) < self.step) else None) for n in nodes}
        grads: dict[int, float] = {}
        parts: dict[int, list] = {}
        edge_text: dict[tuple[int, int, int], str] = {}
        message = "Forward step computes one node at a time."
        lines = [message]
        if 0 < self.step <= k:
            n = ops[self.step - 1]
            message = f"forward: {_formula(n)}"
            lines = [f"forward: {_formula_tex(n)}"]
            if self.step == k:
                message += "  -  the forward pass is done; now Backward step."
                lines.append("the forward pass is done; now Backward step")
        if self.step > k:
            grads[id(root)] = 1.0
            parts[id(root)] = [1.0]
            message = f"backward: seed d{root.label}/d{root.label} = 1"
            lines = [f"backward: seed {_d(root, root)} = 1"]
            done = list(reversed(ops))[: self.step - k - 1]
            for n in done:
                upstream = grads.get(id(n), 0.0)
                plain, typeset = [], []
                for use, (child, local) in enumerate(self._uses(n)):
                    contribution = local * upstream
                    grads[id(child)] = grads.get(id(child), 0.0) + contribution
                    parts.setdefault(id(child), []).append(contribution)
                    edge_text[(id(child), id(n), use if len(n._prev) == 1 and n._op in _BINARY else 0)] = \
                        _times(local, upstream)
                    plain.append(f"d{root.label}/d{child.label or 'const'} += {_times(local, upstream)}")
                    typeset.append(f"{_d(root, child)} += {_math(_times(local, upstream))}")
                message = f"backward through {_formula(n, False)}: local × upstream; " + "; ".join(plain)
                lines = [f"backward through {_formula_tex(n, False)}: local × upstream;   " + ";   ".join(typeset)]
            if self.step == 2 * k + 1:
                leaves = [n for n in nodes if not n._prev and n.label]
                message += "  -  done: " + ", ".join(f"d{root.label}/d{n.label} = {_num(grads.get(id(n), 0.0))}" for n in leaves)
                lines.append("done:   " + ",   ".join(f"{_d(root, n)} = {_math(_num(grads.get(id(n), 0.0)))}"
                                                   for n in leaves))
        return root, nodes, edges, ops, values, grads, parts, edge_text, message, lines

    # -- drawing ---------------------------------------------------------------
    def draw(self) -> None:
        root, nodes, edges, ops, values, grads, parts, edge_text, message, lines = self._walk()
        k = len(ops)
        self.values = {n.label: values[id(n)] for n in nodes if n.label}
        self.grads = {n.label: grads[id(n)] for n in nodes if n.label and id(n) in grads}
        self.edge_labels = dict(edge_text)
        self.message = message
        self.controls["forward"].disabled = self.step >= k
        self.controls["backward"].disabled = not (k <= self.step < 2 * k + 1)

        # Layout from trace: a result sits one column right of its deepest operand; a leaf sits
        # one column left of its first user, so (x + y) * z puts z beside q, as on the slides.
        depth = {}
        for n in nodes:  # topological order: operands first
            depth[id(n)] = 1 + max((depth[id(c)] for c in n._prev), default=-1)
        for n in nodes:
            users = [depth[id(p)] for c, p in edges if c is n]
            if not n._prev and users:
                depth[id(n)] = min(users) - 1
        columns: dict[int, list] = {}
        for n in nodes:
            columns.setdefault(depth[id(n)], []).append(n)
        n_cols = max(columns) + 1
        pos = {}
        for col, members in columns.items():
            for i, n in enumerate(members):
                pos[id(n)] = (col / max(n_cols - 1, 1), 1.0 - (i + 0.5) / len(members))
        ax = self.ax
        ax.set_xlim(-0.15, 1.15)
        ax.set_ylim(-0.05, 1.05)

        current_forward = ops[self.step - 1] if 0 < self.step <= k else None
        current_backward = list(reversed(ops))[self.step - k - 2] if self.step > k + 1 else None

        # 1. the node boxes, so that their size is known before any arrow is drawn
        boxes = {}
        for n in nodes:
            x, y = pos[id(n)]
            head = f"${n.label}$" if not n._prev else _formula_tex(n, with_numbers=False)
            value = values[id(n)]
            active = n is current_forward or n is current_backward
            ec = (self.BACKWARD if n is current_backward else self.FORWARD) if active else self.IDLE
            boxes[id(n)] = ax.text(x, y, head + "\n" + ("?" if value is None else _math(_num(value))), ha="center",
                                   va="center", fontsize=11, linespacing=1.3,
                                   bbox=dict(boxstyle="round,pad=0.35", fc="#f7f7f7", ec=ec, lw=2.5 if active else 1.2))
        renderer = self.view.figure.canvas.get_renderer()
        extent = {key: box_of(text, renderer) for key, text in boxes.items()}
        self.boxes = list(extent.values())  # display boxes of the nodes (the tests check the arrows against them)
        scale = self.view.figure.dpi / 72  # pixels per point

        # 2. the arrows, box edge to box edge; an operand used twice gets two parallel arrows
        self.arrows, self.label_texts, pending = [], [], []
        for child, parent in edges:
            uses = 2 if len(parent._prev) == 1 and parent._op in _BINARY else 1
            active_f, active_b = parent is current_forward, parent is current_backward
            color = self.BACKWARD if active_b else self.FORWARD if active_f else "#999999"
            for use in range(uses):
                offset = 0.0 if uses == 1 else (7.0 if use == 0 else -7.0) * scale
                start, end = segment_between(extent[id(child)], extent[id(parent)], offset=offset)
                arrow = FancyArrowPatch(to_data(ax, start), to_data(ax, end), arrowstyle="-|>", mutation_scale=14,
                                        color=color, lw=2.2 if (active_f or active_b) else 1.2, shrinkA=0, shrinkB=0)
                ax.add_artist(arrow)
                self.arrows.append((start, end))
                label = edge_text.get((id(child), id(parent), use))
                if label:
                    pending.append((start, end, 1 if use == 0 else -1, _math(label)))

        # 3. gradients above the boxes; a sum when the node received more than one contribution
        taken = list(extent.values())
        for n in nodes:
            if id(n) not in grads:
                continue
            box = extent[id(n)]
            terms = parts.get(id(n), [grads[id(n)]])
            shown = " + ".join(f"({_num(t)})" if t < 0 and i else _num(t) for i, t in enumerate(terms))
            total = _num(grads[id(n)])
            text = _d(root, n) + " = " + _math(shown if len(terms) == 1 else f"{shown} = {total}")
            anchor = to_data(ax, ((box.x0 + box.x1) / 2, box.y1 + 3.0 * scale))
            self.label_texts.append(ax.text(*anchor, text, ha="center", va="bottom", fontsize=10, color=self.BACKWARD))
            taken.append(self.label_texts[-1].get_window_extent(renderer))

        # 4. each edge label beside its arrow, slid along it until it touches no box, label or arrow
        segments = self.arrows
        for start, end, side, label in pending:
            text = ax.text(0.0, 0.0, label, fontsize=10, color=self.BACKWARD)

            def place(side, where, text=text, start=start, end=end):
                (lx, ly), ha, va = label_spot(start, end, side, gap=4.0 * scale, where=where)
                text.set_position(to_data(ax, (lx, ly)))
                text.set_horizontalalignment(ha)
                text.set_verticalalignment(va)
                return text.get_window_extent(renderer)

            # the side asked for first (the second of two parallel arrows is labelled below), then the other
            _, box = free_spot(place, taken, segments, margin=3.0 * scale, sides=(side, -side), own=(start, end))
            taken.append(box)
            self.label_texts.append(text)

        phase = "forward" if self.step <= k else "backward"
        expression = self.controls["expression"].value
        self.view.figure.text(0.01, 0.96, f"{TEX.get(expression, expression)}      step {self.step}/{2 * k + 1} ({phase})",
                              fontsize=12, va="center")
        # the step's arithmetic, on the figure too (readable on a projector), and in the status line
        self.view.figure.text(0.01, 0.03, "\n".join(lines), fontsize=10, va="bottom", linespacing=1.6)
        self.status.value = f"<span style='font-family:monospace'>{message}</span>"


def graph_stepper(**kwargs):
    """The chapter's computational-graph stepper (one line in the notebook)."""
    return show(GraphStepper, **kwargs)
