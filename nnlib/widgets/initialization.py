"""Chapter 06's widgets, one import for the notebook helpers.

- :func:`signal_histograms` (``signals.py``): per-layer histograms of
  activations and gradients for depth x activation x init;
- :func:`gradient_flow` (``gradient_flow.py``): gradient norm per layer over
  the first training steps, with and without batch normalization;
- :func:`standardization_descent` (``conditioning.py``): gradient descent on
  the age/salary data before and after standardizing.
"""
from nnlib.widgets.conditioning import standardization_descent
from nnlib.widgets.gradient_flow import gradient_flow
from nnlib.widgets.signals import signal_histograms

__all__ = ["gradient_flow", "signal_histograms", "standardization_descent"]
