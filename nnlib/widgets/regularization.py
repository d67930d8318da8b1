"""Chapter 07's widgets, one module each; this module only gathers their notebook helpers.

- :func:`overfitting_explorer` (``overfitting.py``): a network fits 40 noisy moons live, its
  decision boundary beside the train and validation losses, with L2 λ, dropout and width.
- :func:`penalty_histograms` (``sparsity.py``): the weights of softmax regression on the digits
  under L2 and under L1 as λ grows: small against exactly 0.
- :func:`early_stopping_explorer` (``stopping.py``): the best and the stopping epoch on a
  validation curve that grows while the network trains, with patience and min_delta.

The two live widgets train in a background thread (``_live.py``): the kernel stays free for
the sliders while they train.
"""
from nnlib.widgets.overfitting import overfitting_explorer
from nnlib.widgets.sparsity import penalty_histograms
from nnlib.widgets.stopping import early_stopping_explorer

__all__ = ["early_stopping_explorer", "overfitting_explorer", "penalty_histograms"]
