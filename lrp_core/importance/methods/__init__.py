"""The importance methods, one file per family. Importing this package
registers them in :data:`lrp_core.importance.base.METHODS`, in the order of
:data:`MODULES` (the order of the CLI's ``all`` and of the page). A new
method is one file here plus its name in :data:`MODULES`."""

import importlib

MODULES = ("apoz", "weight_norm", "gradient", "taylor", "leave_one_out", "shapley_exact", "shapley_sampled",
           "random_baseline")

for _name in MODULES:
    importlib.import_module(f"{__name__}.{_name}")
