"""Neuron importance: which hidden units of one layer matter for the loss?

Every method scores the ``n`` units of hidden layer ``K`` (the output of
``net.layers[K]``) over a data set ``(X, y)`` and a loss, behind one registry
(:data:`METHODS`) with one signature::

    method(ctx: Context, **params) -> Scores

where :class:`Context` is the validated request (network, data, layer, loss,
generator, progress) and ``params`` are the method's declared parameters
(``METHODS.get(name).schema``). :func:`attribute` runs any number of them and
is what the command line and the page call.

Layout: :mod:`.scores` (the result and its CSV), :mod:`.game` (the loss
game), :mod:`.shapley` (closed form, 2ⁿ enumeration, permutation sampling),
:mod:`.work` (caps), :mod:`.base` (context and registry), :mod:`.methods`
(one file per method family), :mod:`.run` (:func:`attribute`),
:mod:`.pruning` (pruning curves).

The loss ``L`` is the mean over samples *and* outputs of the squared error
(``mse``) or of the absolute error (``l1``). The seed notebook's Shapley
estimator used MSE for the first (unpruned) loss and L1 for all the others, so
its "marginal contributions" mixed two different games; this project uses one
loss everywhere.

The pruning game (Ancona et al. 2020, Sec. 3) on the set ``N`` of units:
``v(S) = L(units in S zeroed) − L(nothing zeroed)``, so ``v(∅) = 0``.
Its Shapley values satisfy efficiency, ``Σ_i φ_i = v(N)``; a unit that never
changes the output (a *null* unit) gets exactly 0, and two units that always
change the output in the same way (symmetric units) get equal values. With
MSE and a layer that feeds a linear output layer the game is quadratic and
the exact values have a closed form at any width.

Precision: everything is float64.

References
----------
- M. Ancona, C. Öztireli, M. Gross (2020). Shapley Value as Principled Metric
  for Structured Network Pruning. arXiv:2006.01795.
- H. Hu, R. Peng, Y.-W. Tai, C.-K. Tang (2016). Network Trimming: A
  Data-Driven Neuron Pruning Approach towards Efficient Deep Architectures
  (APoZ).
- H. Li, A. Kadav, I. Durdanovic, H. Samet, H. P. Graf (2017). Pruning Filters
  for Efficient ConvNets (weight norm).
- M. C. Mozer, P. Smolensky (1989). Skeletonization (sensitivity / gradient).
- P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz (2017). Pruning
  Convolutional Neural Networks for Resource Efficient Inference (Taylor).
- L. S. Shapley (1953). A Value for n-Person Games; S. Castro, D. Gómez,
  J. Tejada (2009). Polynomial calculation of the Shapley value based on
  sampling (permutation sampling); antithetic pairs as in Mitchell et al.
  (2022), Sampling Permutations for Shapley Value Estimation.
"""

from lrp_core.importance import methods as _methods  # noqa: F401  (registers every method)
from lrp_core.importance.base import ANCONA, METHODS, Context, Method, register, unavailable_reason
from lrp_core.importance.game import (
    CHUNK_ELEMENTS,
    LOSSES,
    Game,
    Progress,
    build_game,
    check_data,
    check_layer,
    check_loss,
    feeds_linear_output,
    loss_value,
    make_game,
)
from lrp_core.importance.pruning import PruningCurve, pruning_curve, pruning_curves
from lrp_core.importance.run import attribute, method_names, prepare, run_method
from lrp_core.importance.scores import (
    CSV_HEADER,
    DTYPE,
    OVERFLOW,
    Scores,
    make_scores,
    prune_order,
    scores_csv,
)
from lrp_core.importance.shapley import (
    exact_shapley_values,
    popcount,
    quadratic_shapley_values,
    sampled_shapley_values,
    shapley_from_values,
    shapley_weights,
)
from lrp_core.importance.work import (
    DEFAULT_SAMPLES,
    EXACT_OUTPUT_COST,
    MAX_EXACT_UNITS,
    MAX_SAMPLES,
    MAX_WORK,
    check_samples,
    check_work,
    closed_form_applies,
    exact_unavailable,
    shapley_work,
)

__all__ = [
    "ANCONA", "CHUNK_ELEMENTS", "CSV_HEADER", "DEFAULT_SAMPLES", "DTYPE", "EXACT_OUTPUT_COST", "LOSSES",
    "MAX_EXACT_UNITS", "MAX_SAMPLES", "MAX_WORK", "METHODS", "OVERFLOW", "Context", "Game", "Method", "Progress",
    "PruningCurve", "Scores", "attribute", "build_game", "check_data", "check_layer", "check_loss", "check_samples",
    "check_work", "closed_form_applies", "exact_shapley_values", "exact_unavailable", "feeds_linear_output",
    "loss_value", "make_game", "make_scores", "method_names", "popcount", "prepare", "prune_order",
    "pruning_curve", "pruning_curves", "quadratic_shapley_values", "register", "run_method",
    "sampled_shapley_values", "scores_csv", "shapley_from_values", "shapley_weights", "shapley_work",
    "unavailable_reason",
]
