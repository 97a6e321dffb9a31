"""Deep Taylor decompositions through every layer: full-backward and train-free.

Sixt & Landgraf 2022 ("A Rigorous Study of the Deep Taylor Decomposition",
TMLR) study DTD as a chain of first-order Taylor expansions, one per layer,
each taken at a *root* ã where the relevance function vanishes (Montavon et
al. 2017). With layers k = 0..L-1, ``h_0 = x`` and
``h_{k+1} = act_k(W_k h_k + b_k)``, explaining output ``o`` starts from
``R_L = h_L[o]`` and walks down.

**Full-backward.** At layer k the relevance of each output neuron j of layer k
is, on the current segment of everything above, ``R_{k,j}(h_{k+1}) = p_j h_{k+1,j} + q_j``
(at the top ``p = e_o``, ``q = 0``). As a function of layer k's input,
``g_j(h) = p_j · act(W_j h + b_j) + q_j``. A root ã_j of g_j is searched on the
segment of layers ``k .. L-1`` (p and q are constant only there) with any
finder of :data:`lrp_core.roots.FINDERS`, and the relevance is redistributed by
the first-order Taylor expansion at it,

    R_{k,i}(h) = Σ_j c_{j,i} (h_i − ã_{j,i}),   c_j = ∇g_j on h_k's segment,

so the next layer down has ``p'_i = Σ_j c_{j,i}`` and ``q'_i = −Σ_j c_{j,i} ã_{j,i}``.
The part the expansion does not move down is the relevance at the root,
``g_j(ã_j)`` evaluated with h_k's affine map (``Root.relevance_affine``): the
*unresolved* relevance. Because c_j is taken on h_k's segment, per layer

    Σ_i R_{k,i} + Σ_j g_j^aff(ã_j) = Σ_j R_{k,j}      (exactly, to rounding).

How this relates to the study's recursive full-backward: the study evaluates
the upper relevance afresh at every root (each root spawns a sub-tree of root
searches). Here p and q are those of the current point's segment. For a
segment-only finder both agree: the root of layer k is searched in the closure
of the segment of layers k..L-1, where the upper relevance is affine with
exactly these p and q (a root on the segment's boundary, where the study would
switch to the neighbouring segment's roots, keeps the point's own affine form,
the convention of ``Root.relevance_affine``). For a finder whose root moves with the point
(``rule``, ``mcmc``, ``interpolation``) the upper relevance is not affine on the
segment, and p, q are its linearisation at the current point (one root search
per neuron and layer instead of a tree).

**Train-free.** The upper relevance is held fixed at its value:
``R_{k,j}(h_{k+1}) = c'_j h_{k+1,j}`` with ``c'_j = R_{k,j} / h_{k+1,j}`` (0 if
``h_{k+1,j} = 0``; then that relevance cannot be redistributed and counts as
unresolved). Each root is searched for layer k alone (segment of layer k).
With rule z+ and zero biases this is exactly LRP-z+ (Montavon et al. 2017) and
conserves relevance at every layer.

**Exact root cache.** If a finder's root depends only on the segment (the
finder is registered with ``segment_only=True``, e.g. ``exact`` with its
segment-only tie-break) then in full-backward every R_k is affine on every
segment and one root search per (layer, activation pattern of layers k..L-1,
neuron, finder settings, explained output, head row (p_j, q_j)) suffices.
:class:`RootCache` is keyed by exactly that (the head row bit for bit), so it
changes no result. Finders that do *not* keep the property: ``rule`` (its root
moves with the point), ``mcmc`` and ``interpolation`` (random), and ``exact``
with ``tie_break="nearest"``; the cache is not used for them. A neuron whose
relevance function is constant on the segment (an inactive ReLU unit: zero
gradient) needs no search: nothing can be passed down and its value stays
unresolved.
"""

from __future__ import annotations

import lrp_core.roots  # noqa: F401  (importing it registers every finder)
from lrp_core.decompose.cache import RootCache
from lrp_core.decompose.engine import decompose, decompose_many, layer_problems
from lrp_core.decompose.results import Decomposition, LayerResult, RootNode
from lrp_core.decompose.spec import MODE_LABELS, MODES, FinderSpec, segment_only_finders

__all__ = [
    "MODES", "MODE_LABELS", "Decomposition", "FinderSpec", "LayerResult", "RootCache", "RootNode", "decompose",
    "decompose_many", "layer_problems", "segment_only_finders",
]
