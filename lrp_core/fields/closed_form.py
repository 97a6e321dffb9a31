"""Explanations with a closed form at every point: gradient, gradient × input
and exact two-player Shapley values with a zero baseline.

- gradient (Simonyan et al. 2014, saliency): ``R_i(x) = ∂f/∂x_i`` on x's segment;
- gradient × input (Shrikumar et al. 2016): ``R_i(x) = x_i ∂f/∂x_i``;
- Shapley values of the game ``v(S) = f(x_S, 0_{not S})`` (Shapley 1953; the
  zero baseline of Lundberg & Lee 2017's interventional SHAP), exact for two players:

      φ₁ = ½ [f(x₁, 0) − f(0, 0)] + ½ [f(x₁, x₂) − f(0, x₂)]
      φ₂ = ½ [f(0, x₂) − f(0, 0)] + ½ [f(x₁, x₂) − f(x₁, 0)]

  so φ₁ + φ₂ = f(x) − f(0) (efficiency) and the unresolved part is f(0).

Each takes the points (N, 2) and returns the relevance (N, 2) with no root search.
"""

from __future__ import annotations

import numpy as np

from lrp_core.fields.batch import forward, output_gradient
from lrp_core.network import Network


def gradient_field(network: Network, points: np.ndarray, output: int) -> np.ndarray:
    """``∂f/∂x`` at each point (from its segment's affine map)."""
    return output_gradient(network, forward(network, points), output)


def gradient_x_input_field(network: Network, points: np.ndarray, output: int) -> np.ndarray:
    """``x ⊙ ∂f/∂x`` at each point."""
    return np.asarray(points, dtype=np.float64) * gradient_field(network, points, output)


def shapley_field(network: Network, points: np.ndarray, output: int) -> np.ndarray:
    """Exact Shapley values of the two inputs against the zero baseline."""
    x = np.asarray(points, dtype=np.float64)
    n = x.shape[0]
    only1 = x * np.array([1.0, 0.0])
    only2 = x * np.array([0.0, 1.0])
    f = forward(network, np.vstack([x, only1, only2, np.zeros((1, 2))])).output[:, output]
    f_x, f_1, f_2, f_0 = f[:n], f[n : 2 * n], f[2 * n : 3 * n], f[-1]
    phi1 = 0.5 * (f_1 - f_0) + 0.5 * (f_x - f_2)
    phi2 = 0.5 * (f_2 - f_0) + 0.5 * (f_x - f_1)
    return np.stack([phi1, phi2], axis=1)
