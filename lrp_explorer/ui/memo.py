"""A memo of a page's computations in the user's session (the live loop's cache).

``@session_memo(n)`` keeps a function's last ``n`` results in
``st.session_state``, keyed like ``st.cache_data``: by every argument whose
name does not start with ``_`` (those are determined by the others, e.g. the
network by its digest). Unlike ``st.cache_data`` it neither hashes the
arguments' contents with Streamlit's hasher nor pickles the results: a key is
a tuple of plain values and a hit returns the stored object itself. On a tweak
every result is new, and ``st.cache_data``'s bookkeeping cost about a fifth of
the importance page's rerun. The results are never mutated by the pages.

A call that raises stores nothing (a cancelled run leaves no partial result).
"""

from __future__ import annotations

import functools
import inspect
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, ParamSpec, TypeVar

import streamlit as st

P = ParamSpec("P")
R = TypeVar("R")
PREFIX = "_memo:"


def frozen(value: Any) -> Hashable:
    """A hashable stand-in for a key argument: lists and tuples item by item, dicts by sorted items."""
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), frozen(v)) for k, v in value.items()))
    hash(value)  # anything else must be hashable as it is (a TypeError names a wrong key argument)
    return value


def session_memo(max_entries: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function so that its results are kept per session (least recently used out)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)
        store = f"{PREFIX}{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = tuple(frozen(v) for name, v in bound.arguments.items() if not name.startswith("_"))
            memo: OrderedDict[Hashable, Any] = st.session_state.setdefault(store, OrderedDict())
            if key in memo:
                memo.move_to_end(key)
                return memo[key]  # type: ignore[no-any-return]
            result = func(*args, **kwargs)
            memo[key] = result
            while len(memo) > max_entries:
                memo.popitem(last=False)
            return result

        return wrapper

    return decorate
