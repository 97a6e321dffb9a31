"""LRP Explorer from a notebook: your own torch model, three calls.

Run it as a script (``python examples/notebook.py``) or paste the cells into a
notebook; ``tests/test_api.py`` executes it.
"""

# %% A model of your own: an nn.Sequential of Linear and ReLU, any dtype.
import torch

import lrp_core

torch.manual_seed(0)  # the example's own model; lrp_core itself never seeds
model = torch.nn.Sequential(
    torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
)
x = torch.randn(3, requires_grad=True)  # float32 and requiring grad: fine

# %% Explain output 0 at one point: the deep Taylor decomposition with exact roots.
e = lrp_core.explain(model, x, method="full-backward", target=0, finder="exact")
print("relevance", e.relevance.tolist())
print("unresolved", float(e.unresolved), "f(x)", float(e.output))
print("sum + unresolved - f(x) =", float(e.completeness_error))

# %% A batch of 1,000 inputs with the train-free z+ rule (one vectorised pass).
X = torch.randn(1000, 3)
batch = lrp_core.explain(model, X, method="train-free", rule="z+")
print("batch relevance", tuple(batch.relevance.shape), "worst completeness error",
      batch.max_completeness_error)

# %% Gradient × input, for comparison.
g = lrp_core.explain(model, x, method="gradient-x-input")
print("gradient x input", g.relevance.tolist())

# %% A root of output 0 in the input space of hidden layer 1.
r = lrp_core.find_roots(model, x, layer=1, target=0, finder="exact")
print("root found:", bool(r.found), "R(root) =", float(r.relevance), r.reasons[0] or "")

# %% Which units of hidden layer 0 matter for the MSE loss on some data?
y = model(X).detach() + 0.1 * torch.randn(1000, 2)
for scores in lrp_core.neuron_importance(model, X, y, methods=["leave-one-out", "shapley-exact"], layer=0):
    print(scores.method, [round(v, 4) for v in scores.scores.tolist()])

# %% The model is untouched: no hooks, no new attributes, same weights.
assert not any(m._forward_hooks or m._backward_hooks for m in model)
