"""Two sessions at once (issue 6, section 4): two AppTest instances in one
process — as two browser tabs share one Streamlit server, its imported modules
and its ``st.cache_data`` — edit different weights at the same time; each must
see only its own network and results.

Both sessions are edited before either runs, then their scripts run one after
the other (AppTest keeps one global mock Runtime per run, so two AppTests cannot
run in two threads at once; true concurrency against one real server is in
``tests/test_browser_sessions.py``).
"""

from __future__ import annotations

import re

import pytest
import torch
from streamlit.testing.v1 import AppTest

from lrp_core.network import Network
from lrp_core.presets import default_input, get_preset
from lrp_core.urlstate import decode_network
from lrp_explorer.ui.tables import table_key
from tests.conftest import importance_numbers, open_app_page

NET, REV = "lrp_network", "lrp_rev"


def open_page(page: str) -> AppTest:
    return open_app_page(page)


def run_both(a: AppTest, b: AppTest) -> None:
    """Run both sessions' pending edits, then check neither raised."""
    a.run()
    b.run()
    for at in (a, b):
        assert not at.exception, [e.value for e in at.exception]


def set_network(at: AppTest, net: Network) -> None:
    """What ``state.set_network`` does, from outside the script."""
    at.session_state[NET] = net
    at.session_state[REV] = int(at.session_state[REV]) + 1


def edit_cell(at: AppTest, layer: int, row: int, column: str, value: float) -> None:
    """Type ``value`` into one cell of the editor's table for ``layer``."""
    key = table_key(layer, int(at.session_state[REV]))
    at.session_state[key] = {"edited_rows": {row: {column: value}}, "added_rows": [], "deleted_rows": []}


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def url_network(at: AppTest) -> Network | None:
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items() if k in ("net", "preset")}
    return decode_network(params)


def test_two_editor_sessions_edit_different_weights_at_once() -> None:
    a, b = open_page("views/editor.py"), open_page("views/editor.py")
    base = get_preset("ancona-max").network()
    assert a.session_state[NET].same_weights(base) and b.session_state[NET].same_weights(base)

    edit_cell(a, 0, 0, "x1", 2.5)  # session A: W0[h1, x1] = 2.5
    edit_cell(b, 1, 0, "bias", 0.75)  # session B: the output bias = 0.75
    run_both(a, b)

    net_a, net_b = a.session_state[NET], b.session_state[NET]
    assert float(net_a.layers[0].weight[0, 0]) == 2.5 and float(net_a.layers[1].bias[0]) == 0.0
    assert float(net_b.layers[1].bias[0]) == 0.75
    assert torch.equal(net_b.layers[0].weight, base.layers[0].weight)
    assert net_a.digest != net_b.digest

    # each page shows its own output, and each URL carries its own network
    x = default_input(base)
    for at, net in ((a, net_a), (b, net_b)):
        y = float(net(torch.tensor(x, dtype=torch.float64))[0])
        assert f"y1 = {y:.6g}" in markdown_text(at)
        linked = url_network(at)
        assert linked is not None and linked.same_weights(net)
    ya, yb = (float(n(torch.tensor(x, dtype=torch.float64))[0]) for n in (net_a, net_b))
    assert ya != yb

    # a second round: A edits again, B does nothing; B must not move
    edit_cell(a, 1, 0, "h4", -1.0)
    run_both(a, b)
    assert float(a.session_state[NET].layers[1].weight[0, 3]) == -1.0
    assert b.session_state[NET].digest == net_b.digest


def test_a_bad_edit_in_one_session_leaves_both_networks_alone() -> None:
    a, b = open_page("views/editor.py"), open_page("views/editor.py")
    edit_cell(a, 0, 1, "x2", float("nan"))  # refused in A
    edit_cell(b, 0, 1, "x2", 3.0)  # accepted in B
    run_both(a, b)
    base = get_preset("ancona-max").network()
    assert a.session_state[NET].same_weights(base)
    assert any("Nothing was changed" in e.value for e in a.error)
    assert float(b.session_state[NET].layers[0].weight[1, 1]) == 3.0
    assert not b.error


def _scores_table(at: AppTest) -> dict[str, list[float]]:
    frame = importance_numbers(at)
    return {str(c): [float(v) for v in frame[c].tolist()] for c in frame.columns}


def test_two_importance_sessions_see_their_own_scores() -> None:
    """Ancona's useless unit h4 (output weight 0) gets Shapley value exactly 0; give it
    an output weight in session B only, and only B's h4 may get a non-zero value."""
    a, b = open_page("views/importance.py"), open_page("views/importance.py")
    base = get_preset("ancona-max").network()
    edited = base.with_value(1, "weight", 0, 3, 0.5)
    set_network(a, base)
    set_network(b, edited)
    run_both(a, b)
    sa, sb = _scores_table(a), _scores_table(b)
    col = next(c for c in sa if "shapley" in c.lower() and "exact" in c.lower())
    assert sa[col][3] == 0.0
    assert sb[col][3] != 0.0
    assert sa != sb
    # and B's edit did not leak into A's next run
    run_both(a, b)
    assert _scores_table(a) == sa
    assert a.session_state[NET].same_weights(base)


_TIMING = re.compile(r"\d[\d.]*(?:,\d{3})*\s*(?:ms|s|seconds)\b|\bcached\b")  # a time, or "cached" in its place


def fingerprint(at: AppTest) -> list[str]:
    """Everything a page shows as text or tables, timings masked (they differ run to run)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "latex", "text", "code", "info",
                 "success", "warning", "error"):
        parts += [f"{kind}: {e.value}" for e in getattr(at, kind)]
    parts += [f"metric: {m.label} = {m.value}" for m in at.metric]
    parts += [f"table: {d.value.to_csv()}" for d in at.dataframe]
    return [_TIMING.sub("<t>", p) for p in parts]


@pytest.mark.parametrize("page", ["views/decomposition.py", "views/roots.py"])
def test_two_sessions_on_the_dtd_pages(page: str) -> None:
    """Each of two sessions shows exactly what it shows when it is alone on the server."""
    net_a = get_preset("xor-2-4-1").network()
    net_b = get_preset("ancona-max").network().with_value(0, "weight", 0, 0, 3.0)
    alone = {}
    for name, net in (("a", net_a), ("b", net_b)):
        solo = open_page(page)
        set_network(solo, net)
        solo.run()
        assert not solo.exception, [e.value for e in solo.exception]
        alone[name] = fingerprint(solo)
    assert alone["a"] != alone["b"]

    a, b = open_page(page), open_page(page)
    set_network(a, net_a)
    set_network(b, net_b)
    run_both(a, b)
    assert a.session_state[NET].same_weights(net_a)
    assert b.session_state[NET].same_weights(net_b)
    assert fingerprint(a) == alone["a"]
    assert fingerprint(b) == alone["b"]
