"""Chapter 08's widgets, one module each; this module only gathers their notebook helpers.

- :func:`search_comparison` (``search.py``): grid against random search with the same budget on
  a landscape where only the learning rate matters (the Bergstra–Bengio picture).
- :func:`lr_range_plot` (``lr_finder.py``): the learning-rate range test on the digits, the loss
  against a rising learning rate and the range it suggests.
- :func:`confusion_explorer` (``confusion.py``): the confusion matrix of a digits network on
  held-out digits; the digits of the chosen cell beside it.
- :func:`pixel_importance` (``importance.py``): permutation importance of the 64 pixels as an
  8 x 8 heat map, for all digits or the recall of one.

The last two share one trained network per setting (``_digits_model.py``).
"""
from nnlib.widgets.confusion import confusion_explorer
from nnlib.widgets.importance import pixel_importance
from nnlib.widgets.lr_finder import lr_range_plot
from nnlib.widgets.search import search_comparison

__all__ = ["confusion_explorer", "lr_range_plot", "pixel_importance", "search_comparison"]
