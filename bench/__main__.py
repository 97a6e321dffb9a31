"""Run every benchmark module in bench/ (``python -m bench``), one after another."""

import importlib
import pkgutil
import sys

import bench

names = sys.argv[1:] or sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
for name in names:
    print(f"\n=== bench.{name} ===", flush=True)
    importlib.import_module(f"bench.{name}").main()
