"""LRP Explorer from a notebook: your own torch model, three calls.

Run it as a script (``python examples/notebook.py``) or paste the cells into a
notebook. ``tests/test_api.py`` executes it from the checkout and
``tests/test_wheel.py`` from a fresh virtual environment with the wheel
installed.
"""

# %% A model of your own: an nn.Sequential of Linear and ReLU, any float dtype.
import torch

import lrp_core

torch.manual_seed(0)  # the notebook's own seed; lrp_core never touches the global generator
model = torch.nn.Sequential(
    torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
)
x = torch.randn(3, requires_grad=True)  # float32 and requiring grad: fine
target = int(model(x).argmax())  # explain the larger output

# %% Explain it at one point: the deep Taylor decomposition with exact roots.
e = lrp_core.explain(model, x, method="full-backward", target=target, finder="exact")
print(f"f(x)[{target}] = {float(e.output):.6f}")
print("relevance", [round(v, 6) for v in e.relevance.tolist()], "unresolved", round(float(e.unresolved), 6))
print("completeness error", abs(float(e.completeness_error)))  # sum + unresolved - f(x), 0 up to rounding

# %% A batch of 1,000 inputs with the train-free z+ rule (LRP-α1β0): one vectorised pass.
X = torch.randn(1000, 3)
batch = lrp_core.explain(model, X, method="train-free", target=target, rule="z+")
print("batch relevance", tuple(batch.relevance.shape), "worst completeness error", batch.max_completeness_error)

# %% Gradient × input, for comparison.
g = lrp_core.explain(model, x, method="gradient-x-input", target=target)
print("gradient x input", [round(v, 6) for v in g.relevance.tolist()])

# %% A root of the output in the input space of hidden layer 1.
r = lrp_core.find_roots(model, x, layer=1, target=target, finder="exact")
print("root found:", bool(r.found), "R(root) =", float(r.relevance), r.reasons[0])

# %% Which units of hidden layer 1 matter for the MSE loss on some data?
y = model(X).detach() + 0.1 * torch.randn(1000, 2)
for scores in lrp_core.neuron_importance(model, X, y, methods=["leave-one-out", "shapley-exact"], layer=1):
    print(scores.method, [round(v, 5) for v in scores.scores.tolist()], scores.extra.get("closed_form", ""))

# %% The model is untouched: no hooks, no new attributes, same dtype, still requiring grad.
assert not any(m._forward_hooks or m._backward_hooks for m in model)
assert all(p.dtype == torch.float32 and p.requires_grad for p in model.parameters())
print("model untouched")
