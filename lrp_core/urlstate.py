"""The network in the URL: compact, versioned, and safe to decode.

Query parameters (a contract for shared links):

- ``preset=NAME`` when the network is an unedited preset;
- ``net=1.<payload>`` otherwise, where ``1`` is the encoding version and the
  payload is URL-safe base64 (no padding) of zlib-compressed compact JSON in
  the network format. Decoding caps the parameter's length and the
  decompressed size, and validates the network like any upload.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping

from lrp_core.errors import LRPError
from lrp_core.io import MAX_UPLOAD_BYTES, parse_json
from lrp_core.network import Network, from_dict
from lrp_core.presets import PRESETS, get_preset, matching_preset

URL_VERSION = "1"
MAX_PARAM_CHARS = 200_000


def encode_network(net: Network) -> dict[str, str]:
    """Query parameters that reproduce ``net`` (``preset`` or ``net``)."""
    name = matching_preset(net)
    if name is not None and name == net.name:
        return {"preset": name}
    text = json.dumps(net.to_dict(), separators=(",", ":"))
    payload = base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).rstrip(b"=")
    return {"net": f"{URL_VERSION}.{payload.decode('ascii')}"}


DAMAGED = "the link is damaged or incomplete"


def decode_network(params: Mapping[str, str]) -> Network | None:
    """The network named by query parameters, ``None`` if they name none.

    Raises :class:`LRPError` with a clear message for anything malformed."""
    if "net" in params:
        return _decode_payload(str(params["net"]))
    if "preset" in params:
        name = str(params["preset"])
        if name not in PRESETS:
            raise LRPError(f"the link names an unknown preset {name[:60]!r}; choose one of: {', '.join(PRESETS.names())}")
        return get_preset(name).network()
    return None


def _decode_payload(value: str) -> Network:
    if len(value) > MAX_PARAM_CHARS:
        raise LRPError(f"the network in the link is longer than {MAX_PARAM_CHARS:,} characters")
    version, sep, payload = value.partition(".")
    if not sep:
        raise LRPError("the network in the link has no version prefix (expected '1.…')")
    if version != URL_VERSION:
        raise LRPError(f"the link uses encoding version {version[:10]!r}; this app reads version {URL_VERSION}")
    try:
        raw = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise LRPError(f"{DAMAGED} (it is not valid base64)") from None
    try:
        d = zlib.decompressobj()
        text = d.decompress(raw, MAX_UPLOAD_BYTES + 1)
        if len(text) > MAX_UPLOAD_BYTES or d.unconsumed_tail:
            raise LRPError("the network in the link expands to more than the size cap")
    except zlib.error:
        raise LRPError(f"{DAMAGED} (it does not decompress)") from None
    if not d.eof:
        raise LRPError(f"{DAMAGED}: it ends too early, as when a long link is cut off while it is copied; "
                       "copy the whole link again")
    return from_dict(parse_json(text, what="network in the link"))
