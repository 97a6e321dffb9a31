"""Benchmarks: each module prints a table with ratios against its baseline."""
