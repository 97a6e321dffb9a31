"""Contract of every registry entry's declared parameters (issue 13).

For every entry of FINDERS, RULES and METHODS that declares a schema: the
defaults validate, every parameter has a CLI flag (finders: in ``roots`` and
``decompose``) and a form widget, and an out-of-range value gives a one-line
error naming the range. A toy finder registered here (and unregistered
afterwards) shows up in the CLI and in the form without any other file
knowing it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from streamlit.testing.v1 import AppTest

from lrp_core.cli import main
from lrp_core.errors import LRPError
from lrp_core.importance import METHODS
from lrp_core.params import Param
from lrp_core.registry import Entry, Registry
from lrp_core.roots import FINDERS, RULES, RootProblem, RootResult, make_roots

REGISTRIES: list[Registry[Any]] = [FINDERS, RULES, METHODS]
ENTRIES = [(reg.family, e) for reg in REGISTRIES for e in reg if e.schema]


def _bad_values(prm: Param) -> Iterator[Any]:
    """Values outside what ``prm`` accepts."""
    if prm.kind == "str":
        yield "no-such-choice"
    elif prm.kind == "bool":
        yield "yes please"
    else:
        if prm.low is not None:
            yield prm.low if prm.open_low else prm.low - 1
        if prm.high is not None:
            yield prm.high * 2 + 1
        yield math.nan


def test_there_are_entries_with_schemas() -> None:
    assert {e.name for fam, e in ENTRIES if fam == FINDERS.family} == set(FINDERS.names())


@pytest.mark.parametrize(("family", "entry"), ENTRIES, ids=[f"{f}:{e.name}" for f, e in ENTRIES])
def test_defaults_validate_and_bad_values_name_the_range(family: str, entry: Entry[Any]) -> None:
    assert entry.validate({}, family) == entry.defaults()
    assert entry.validate(entry.defaults(), family) == entry.defaults()
    for prm in entry.schema:
        assert prm.flag == "--" + prm.name.replace("_", "-")
        for bad in _bad_values(prm):
            with pytest.raises(LRPError) as exc:
                entry.validate({prm.name: bad}, family)
            msg = str(exc.value)
            assert "\n" not in msg and msg.startswith(f"{prm.name} must be {prm.describe()}"), msg
    with pytest.raises(LRPError, match="unknown parameter"):
        entry.validate({"no_such_parameter": 1}, family)


def test_finder_params_meta_data() -> None:
    """What the app reads from a finder entry besides its schema."""
    for entry in FINDERS:
        assert dict(entry.extra["params"]) == entry.defaults()  # read elsewhere: the defaults mapping
        assert isinstance(entry.extra["stochastic"], bool)
        assert callable(entry.extra["segment_only"]) or isinstance(entry.extra["segment_only"], bool)
    mcmc = FINDERS.get("mcmc").defaults()
    assert (mcmc["n_chains"], mcmc["n_steps"], mcmc["n_warmup"]) == (10, 1000, 100)  # declared once


@pytest.mark.parametrize("command", ["roots", "decompose"])
def test_every_finder_parameter_is_a_flag(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    missing = [(e.name, p.flag) for e in FINDERS for p in e.schema if p.flag not in text]
    assert not missing


def _all_forms_script() -> None:
    import streamlit as st

    from lrp_core.roots import FINDERS
    from lrp_explorer.ui.forms import finder_form

    st.session_state["out"] = {e.name: finder_form(e.name, f"c_{e.name}") for e in FINDERS}


def test_every_finder_parameter_has_a_form_widget() -> None:
    at = AppTest.from_function(_all_forms_script).run(timeout=60)
    assert not at.exception and not at.error
    keys = {w.key for kind in ("number_input", "selectbox", "checkbox", "text_input") for w in at.get(kind)}
    for entry in FINDERS:
        for prm in entry.schema:
            assert f"c_{entry.name}_{prm.name}" in keys, (entry.name, prm.name)
        assert at.session_state["out"][entry.name] == entry.defaults()


# --- a toy finder, registered by this test only ---------------------------------------------------------

TOY_SCHEMA = (Param("shift", "float", 0.0, "how far to move the point", low=-10.0, high=10.0),
              Param("copies", "int", 1, "how many times to say so", low=1, high=3, advanced=True))


def toy_finder(problem: RootProblem, *, generator: torch.Generator | None = None, progress: Any = None,
               **values: Any) -> RootResult:
    """The point itself, shifted: no root finding at all (a contract test's toy)."""
    p = FINDERS.get("toy").validate(values, "finder")
    point = problem.point + p["shift"]
    roots = make_roots(problem, [(j, point, "toy") for j in range(len(problem.neurons))])
    return RootResult("toy", p, roots, 1, 0.0)


@pytest.fixture
def toy() -> Iterator[None]:
    FINDERS.register("toy", label="Toy", schema=TOY_SCHEMA, segment_only=False, stochastic=False,
                     params=dict(shift=0.0, copies=1))(toy_finder)
    try:
        yield
    finally:
        FINDERS.unregister("toy")
    assert "toy" not in FINDERS


def test_a_toy_finder_appears_in_the_cli(toy: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roots", "--preset", "ancona-max", "--finder", "toy", "--shift", "2", "--copies", "3",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["finder"] == "toy" and out["params"] == {"shift": 2.0, "copies": 3}
    assert main(["roots", "--preset", "ancona-max", "--finder", "toy", "--shift", "11", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--shift: shift must be a number from -10 to 10, not 11.0" in err
    assert main(["roots", "--preset", "ancona-max", "--finder", "exact", "--shift", "1", "--json"]) == 2
    assert "--shift applies only to --finder toy" in capsys.readouterr().err
    assert main(["decompose", "--preset", "ancona-max", "--mode", "full", "--finder", "toy", "--json"]) == 0


def _toy_form_script() -> None:
    import streamlit as st

    from lrp_explorer.ui.forms import finder_form

    st.session_state["out"] = finder_form("toy", "toy")


def test_a_toy_finder_appears_in_the_form(toy: None) -> None:
    at = AppTest.from_function(_toy_form_script).run(timeout=60)
    assert not at.exception
    assert at.session_state["out"] == {"shift": 0.0, "copies": 1}
    at.number_input(key="toy_shift").set_value(-3.5)
    at.run(timeout=60)
    assert at.session_state["out"] == {"shift": -3.5, "copies": 1}
    assert len(at.expander) == 1  # copies is advanced
