"""A network as a sequence of layers, and counting its parameters.

``Sequential`` chains layers: the forward pass runs them first to last, the
backward pass runs them last to first, each layer turning the gradient of its
output into the gradient of its input (the chain rule, one layer at a time).

``parameters()`` and ``gradients()`` flatten the layers' dicts into one dict
keyed ``"<layer index>.<name>"`` (``"0.W"``, ``"0.b"``, ``"2.W"``, ...).  The
values are the very arrays the layers hold, so an optimizer that updates them
in place trains the model.  Gradients accumulate (see ``nnlib.layers``); call
``zero_grad()`` before each backward pass.

One buffer for all parameters
-----------------------------
When it is built, a ``Sequential`` moves the parameters of its
``nnlib.layers`` layers into one flat array (and their gradients into
another) and gives each layer reshaped *views* of it: ``layer.params["W"]``
is still a (D, H) array, it just lives inside a longer one (its ``.base``).
An optimizer then updates the whole network with one NumPy call per
operation instead of one per parameter (see ``nnlib.optimizers``), which for
a course-size network removes most of the time of an Adam step.  Layers
reach their arrays through their dicts, so nothing else changes; keep that
rule in a layer you write yourself.  (A copy of the model, e.g. by
``copy.deepcopy``, gets separate arrays: it trains the same, one array at a
time.)
"""
from __future__ import annotations

import numpy as np

from nnlib.layers import Layer

__all__ = ["Sequential", "count_parameters"]


class Sequential:
    """Layers applied one after the other: ``Y = layer_k(... layer_1(layer_0(X)))``.

    Parameters
    ----------
    layers : iterable of layers
        Objects with ``forward(X, training)``, ``backward(dY)``, ``params``,
        ``grads`` and ``zero_grad()`` (see ``nnlib.layers``).

    Examples
    --------
    >>> from nnlib.layers import Dense, Activation
    >>> model = Sequential([Dense(3, 4, rng=0), Activation("relu"), Dense(4, 2, rng=0)])
    >>> sorted(model.parameters())
    ['0.W', '0.b', '2.W', '2.b']
    """

    def __init__(self, layers):
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            missing = [a for a in ("forward", "backward", "params", "grads", "zero_grad") if not hasattr(layer, a)]
            if missing:
                raise TypeError(
                    f"Sequential: layer {i} ({type(layer).__name__}) is not a layer: it has no {', '.join(missing)}"
                )
        _share_buffers(self.layers)

    def forward(self, X, training=True):
        """Run every layer in order; returns the output of the last one."""
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    def backward(self, dY, need_dX=True):
        """Run every layer's backward in reverse order; returns ``dL/dX`` for the network input.

        Parameter gradients accumulate into each layer's ``grads``.  Training
        needs only those: with ``need_dX=False`` the first layer (an
        ``nnlib.layers`` layer) skips the gradient of the data and None is
        returned, which saves a matrix product as large as the first
        layer's forward pass.
        """
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            if i == 0 and not need_dX and isinstance(layer, Layer):
                return layer.backward(dY, need_dX=False)
            dY = layer.backward(dY)
        return dY if need_dX else None

    def predict(self, X):
        """The forward pass in test mode (``training=False``: no dropout, running batch-norm statistics)."""
        return self.forward(X, training=False)

    def zero_grad(self) -> None:
        """Reset the gradients of every layer to 0 in place."""
        for layer in self.layers:
            layer.zero_grad()

    def parameters(self) -> dict[str, np.ndarray]:
        """All parameters as one dict ``{"<index>.<name>": array}`` (the layers' own arrays, not copies)."""
        return {f"{i}.{name}": p for i, layer in enumerate(self.layers) for name, p in layer.params.items()}

    def gradients(self) -> dict[str, np.ndarray]:
        """All gradients, keyed like ``parameters()`` (the layers' own ``grads`` arrays)."""
        return {f"{i}.{name}": g for i, layer in enumerate(self.layers) for name, g in layer.grads.items()}

    # ``params``/``grads`` let a whole network stand wherever a layer is expected
    # (e.g. in ``nnlib.gradcheck.check_layer``).
    @property
    def params(self) -> dict[str, np.ndarray]:
        """Same as ``parameters()``."""
        return self.parameters()

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """Same as ``gradients()``."""
        return self.gradients()

    def count_parameters(self) -> int:
        """Total number of trainable numbers in the network."""
        return int(sum(p.size for p in self.parameters().values()))

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        names = [repr(layer) for layer in self.layers]
        width = max((len(f"({i}): {n}") for i, n in enumerate(names)), default=0)
        lines = []
        for i, (layer, name) in enumerate(zip(self.layers, names)):
            text = f"({i}): {name}"
            count = sum(p.size for p in layer.params.values())
            lines.append(f"  {text.ljust(width)}   {count} params" if layer.params else f"  {text}")
        return "Sequential(\n" + "".join(line + "\n" for line in lines) + f")  total {self.count_parameters()} parameters"


def _share_buffers(layers) -> None:
    """Move the layers' parameters and gradients into two flat arrays, when they can share them.

    Each ``layer.params[name]`` (and ``layer.grads[name]``) is replaced by a
    view of a flat array holding the same numbers, in the order of
    ``parameters()``.  Only ``nnlib.layers`` layers take part (a layer of
    your own may keep other references to its arrays), and only when they
    all use one dtype.
    """
    owners = [layer for layer in layers if layer.params]
    if not owners or not all(isinstance(layer, Layer) and layer.grads.keys() == layer.params.keys()
                             for layer in owners):
        return
    dtypes = {a.dtype for layer in owners for d in (layer.params, layer.grads) for a in d.values()}
    if len(dtypes) != 1:
        return
    (dtype,) = dtypes
    size = sum(p.size for layer in owners for p in layer.params.values())
    flat_params, flat_grads = np.empty(size, dtype), np.empty(size, dtype)  # (P,) each
    start = 0
    for layer in owners:
        for name, p in layer.params.items():
            for d, flat in ((layer.params, flat_params), (layer.grads, flat_grads)):
                view = flat[start:start + p.size].reshape(p.shape)  # p.shape, a view into flat
                view[...] = d[name]
                d[name] = view
            start += p.size


def count_parameters(layer_sizes) -> int:
    """Number of weights and biases of a fully connected network: ``sum_l (n_l n_(l+1) + n_(l+1))``.

    Each pair of consecutive layers contributes an (n_in, n_out) weight matrix
    and an (n_out,) bias.

    Parameters
    ----------
    layer_sizes : sequence of int, length >= 2
        Units per layer, input first, e.g. ``[3, 4, 2]``.

    Returns
    -------
    int

    Examples
    --------
    >>> count_parameters([3, 4, 2])
    26
    >>> count_parameters([3, 4, 4, 1])
    41
    """
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least 2 sizes (input and output), got {sizes}")
    for i, n in enumerate(sizes):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"layer_sizes must hold positive integers, got {n!r} at position {i} of {sizes}")
    return int(sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))
