"""nnlib — neural networks from scratch in NumPy: the course's reference library.

Every exercise in the course is checked against this package, so it is
written to be read: one concept per module, each readable top to bottom.

    activations     elementwise non-linearities, their derivatives, softmax
    losses          MSE, MAE, Huber, cross-entropies, hinge, with gradients
    functional      pure forward/backward pairs: dense, activation, dropout, batchnorm, layernorm
    layers          Dense, Activation, Dropout, BatchNorm (wrap functional), Standardize (fixed input scaling)
    network         Sequential and count_parameters
    mlp             a multilayer perceptron as plain functions over (W, b) lists
    init            zeros, normal, uniform, Xavier/Glorot, He, LeCun, init_scale
    propagation     signals and gradients through depth: activation stds, vanishing/exploding
    optimizers      SGD (+momentum, Nesterov), AdaGrad, RMSprop, Adadelta, Adam, AdamW
    update_rules    the same rules as pure functions (adam_step, ...), ewma, Updater
    regularization  L1/L2 penalties (also on (W, b) pairs), early stopping, clipping, soft-thresholding
    schedules       learning-rate schedules
    training        fit() and History
    gradcheck       numerical gradients and relative error
    autodiff        a scalar autograd Value (micrograd style)
    perceptron      McCulloch–Pitts neuron and the perceptron rule
    data            logic gates, toy 2-D datasets, the bundled digits
    metrics         accuracy, confusion matrix, precision/recall/F1
    tuning          grid/random search, successive halving, k-fold, epoch arithmetic, permutation importance
    lr_range        the learning-rate range test (a rising learning rate, the loss against it)
    widgets         the chapters' interactive visualizations (ipywidgets)

Conventions: batch first (``X`` is ``(N, D)``), ``Z = X @ W + b`` with ``W``
of shape ``(n_in, n_out)``; float64 by default, float32 kept; every random
choice takes ``rng`` or ``seed``; backward passes accumulate into ``grads``
and ``zero_grad()`` clears them.
"""
__version__ = "0.1.0"
