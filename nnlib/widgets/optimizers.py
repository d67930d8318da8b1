"""Chapter 05's widgets, one module each; this module only gathers their notebook helpers.

- :func:`lr_explorer` (``descent.py``): gradient descent on a 1-D function, step by step,
  with a learning-rate slider: converging, oscillating, diverging.
- :func:`optimizer_race` (``race.py``): SGD, momentum, Nesterov, AdaGrad, RMSprop and Adam
  race on 2-D surfaces, animated in the browser (anywidget canvas).
- :func:`batch_noise` (``batches.py``): loss curves of batch 1, 32 and the full batch on
  the digits, trained live.
- :func:`ewma_explorer` (``averages.py``): an exponentially weighted average of a noisy
  series, with and without bias correction.
"""
from nnlib.widgets.averages import ewma_explorer
from nnlib.widgets.batches import batch_noise
from nnlib.widgets.descent import lr_explorer
from nnlib.widgets.race import optimizer_race

__all__ = ["lr_explorer", "optimizer_race", "batch_noise", "ewma_explorer"]
