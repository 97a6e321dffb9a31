"""Reading user-supplied text safely: JSON only, size and nesting capped.

Nothing here unpickles anything or opens PyTorch files: an upload is bytes, it is
decoded as UTF-8 text and parsed as JSON (or CSV elsewhere), or refused.
"""

from __future__ import annotations

import json
from typing import Any

from lrp_core.errors import LRPError
from lrp_core.network import Network, from_dict

MAX_UPLOAD_BYTES = 1_000_000
MAX_JSON_DEPTH = 32

# Magic numbers of formats we refuse outright (so the message says what it was).
_BINARY_SIGNATURES = {
    b"\x80": "a Python pickle",
    b"PK\x03\x04": "a zip archive (PyTorch .pt files are zip archives)",
    b"\x93NUMPY": "a NumPy .npy file",
}


def decode_text(data: bytes | str, *, what: str = "file", max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """Bytes -> text, refusing oversized, binary and non-UTF-8 input."""
    if isinstance(data, str):
        if len(data.encode("utf-8", errors="replace")) > max_bytes:
            raise LRPError(f"the {what} is larger than {max_bytes:,} bytes")
        return data.removeprefix("\ufeff")
    if len(data) > max_bytes:
        raise LRPError(f"the {what} is {len(data):,} bytes, more than the cap of {max_bytes:,}")
    for sig, name in _BINARY_SIGNATURES.items():
        if data.startswith(sig):
            raise LRPError(f"the {what} looks like {name}; only JSON or CSV text is accepted")
    if b"\x00" in data:
        raise LRPError(f"the {what} contains binary data; only JSON or CSV text is accepted")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LRPError(f"the {what} is not UTF-8 text (byte {exc.start})") from None


def _json_depth(text: str) -> int:
    """Maximum bracket nesting outside strings (checked before parsing)."""
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best = depth
                if best > MAX_JSON_DEPTH:
                    return best
        elif ch in "]}":
            depth -= 1
    return best


def _refuse_constant(name: str) -> Any:
    raise LRPError(f"{name} is not a valid number here (only finite numbers are accepted)")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise LRPError(f"the number {text[:40]} is too large (it overflows to infinity)")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > 400:  # Python refuses > 4300 digits with a bare ValueError; anything this long is over the caps
        raise LRPError(f"the number {text[:20]}… has {len(text)} digits, far too large")
    return int(text)


def parse_json(data: bytes | str, *, what: str = "JSON file", max_bytes: int = MAX_UPLOAD_BYTES) -> Any:
    """Parse JSON text with caps: size, nesting depth, and finite numbers only
    (``NaN``, ``Infinity`` and overflowing literals such as ``1e400`` are refused)."""
    text = decode_text(data, what=what, max_bytes=max_bytes)
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise LRPError(f"the {what} is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(
            text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int
        )
    except json.JSONDecodeError as exc:
        raise LRPError(f"the {what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise LRPError(f"the {what} is nested too deeply") from None


def load_network_json(data: bytes | str, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Network:
    """A network from JSON text or bytes in the ``lrp-explorer.network`` format."""
    return from_dict(parse_json(data, what="network file", max_bytes=max_bytes))
