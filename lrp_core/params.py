"""Typed parameter declarations, written once per registry entry.

Every root finder, rule and attribution method declares its parameters as a
tuple of :class:`Param`. The CLI flags, the page forms, the URL's view state
and the contract tests all read that one declaration: nothing else may list
a finder's or a method's parameters again.

A :class:`Param` validates a value (``Param.check``) and says what it accepts
in one line (``Param.describe``), so every out-of-range value gets the same
kind of message: ``n_chains must be a whole number from 1 to 2,000, not 0``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lrp_core.errors import LRPError

KINDS = ("int", "float", "str", "bool")


@dataclass(frozen=True)
class Param:
    """One parameter: its name, type, default, range or choices, and help text.

    ``kind`` is one of ``int``, ``float``, ``str``, ``bool``. Numbers have
    ``low``/``high`` bounds (``open_low`` makes the lower bound strict);
    strings have ``choices``. ``optional`` allows ``None`` (which then means
    "decided by the problem", e.g. ``nonnegative`` defaults to whether the
    layer input is post-ReLU). ``log`` hints that a form should step in
    powers of ten. ``advanced`` hides the parameter behind a toggle in forms.
    """

    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    choices: tuple[str, ...] | None = None
    optional: bool = False
    log: bool = False
    advanced: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Param {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind == "str" and not self.choices:
            raise ValueError(f"Param {self.name!r}: a str parameter needs choices")
        if self.default is not None or not self.optional:
            self.check(self.default)

    @property
    def flag(self) -> str:
        """The CLI flag, e.g. ``--n-chains``."""
        return "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        """What the parameter accepts, in words (used in every error message)."""
        if self.kind == "bool":
            what = "true or false"
        elif self.kind == "str":
            what = "one of " + ", ".join(self.choices or ())
        else:
            noun = "a whole number" if self.kind == "int" else "a number"
            what = noun + self._range()
        return what + (" (or unset)" if self.optional else "")

    def _range(self) -> str:
        lo, hi = self.low, self.high
        fmt = "{:,}".format if self.kind == "int" else "{:g}".format
        if lo is not None and hi is not None and not self.open_low:
            return f" from {fmt(lo)} to {fmt(hi)}"
        parts = []
        if lo is not None:
            parts.append(f"> {fmt(lo)}" if self.open_low else f">= {fmt(lo)}")
        if hi is not None:
            parts.append(f"<= {fmt(hi)}")
        return (" " + " and ".join(parts)) if parts else ""

    def check(self, value: Any) -> Any:
        """``value`` converted to the parameter's type, or :class:`LRPError` naming the range."""
        if value is None and self.optional:
            return None
        bad = LRPError(f"{self.name} must be {self.describe()}, not {value!r}")
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise bad
        if self.kind == "str":
            if isinstance(value, str) and value in (self.choices or ()):
                return value
            raise bad
        if isinstance(value, bool):
            raise bad
        if self.kind == "int":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int) and not hasattr(value, "__index__"):
                raise bad
            v: float = int(value)
        else:
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise bad from None
            if not math.isfinite(v):
                raise bad
        if self.low is not None and (v <= self.low if self.open_low else v < self.low):
            raise bad
        if self.high is not None and v > self.high:
            raise bad
        return v

    def parse(self, text: str) -> Any:
        """The value of a CLI or URL string (``true``/``false`` for bools,
        ``none`` for an optional unset value), checked."""
        t = text.strip()
        if self.optional and t.lower() in ("", "none", "auto"):
            return None
        if self.kind == "bool":
            low = t.lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise LRPError(f"{self.name} must be {self.describe()}, not {text!r}")
        if self.kind == "str":
            return self.check(t)
        try:
            num: Any = int(t) if self.kind == "int" and _is_int_text(t) else float(t)
        except ValueError:
            raise LRPError(f"{self.name} must be {self.describe()}, not {text!r}") from None
        return self.check(num)


def _is_int_text(t: str) -> bool:
    s = t[1:] if t[:1] in "+-" else t
    return s.isdigit()


def defaults(schema: Iterable[Param]) -> dict[str, Any]:
    """``{name: default}`` of a declaration."""
    return {p.name: p.default for p in schema}


def validate(owner: str, schema: Sequence[Param], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every declared parameter, checked, with defaults filled in.

    Unknown names are refused with a message naming the valid ones.
    ``owner`` names the entry in messages, e.g. ``finder 'mcmc'``.
    """
    known = {p.name: p for p in schema}
    unknown = sorted(set(values) - set(known))
    if unknown:
        valid = ", ".join(known) or "none"
        raise LRPError(f"unknown parameter(s) {', '.join(unknown)} for {owner}; valid: {valid}")
    return {name: p.check(values[name]) if name in values else p.default for name, p in known.items()}
