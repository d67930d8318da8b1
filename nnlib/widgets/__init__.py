"""Chapter widgets (ipywidgets + matplotlib Figure objects, no pyplot).

Each chapter module adds its one-line notebook helpers here.
"""
from nnlib.widgets._base import use_student
from nnlib.widgets.perceptron import decision_line_explorer, training_player
from nnlib.widgets.graph import graph_stepper
from nnlib.widgets.backprop import backprop_animation
from nnlib.widgets.gradcheck import gradcheck_panel
from nnlib.widgets.activations import activation_explorer
from nnlib.widgets.xor import xor_space_warp
from nnlib.widgets.losses import loss_explorer, outlier_fit, sigmoid_gradients
from nnlib.widgets.optimizers import lr_explorer, optimizer_race, batch_noise, ewma_explorer
from nnlib.widgets.initialization import signal_histograms, gradient_flow, standardization_descent
from nnlib.widgets.playground import playground
from nnlib.widgets.regularization import overfitting_explorer, penalty_histograms, early_stopping_explorer
from nnlib.widgets.tuning import search_comparison, lr_range_plot, confusion_explorer, pixel_importance
