"""One set of finder defaults, declared once in the registry, on every page (issue 12, item 9):
before, Root finding showed MCMC 10/1000/100 and Decomposition 10/200/100."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lrp_core.roots import FINDERS
from tests.conftest import open_app_page

PARAMS = ("n_chains", "n_steps", "n_warmup")


def _declared(name: str) -> dict[str, object]:
    entry = FINDERS.get(name)
    return {**dict(entry.extra.get("params", {})), **entry.defaults()}


def test_mcmc_defaults_are_the_registry_s_on_both_pages() -> None:
    declared = _declared("mcmc")
    roots = open_app_page("views/roots.py")
    r = roots.session_state["lrp_rev"]
    roots.pills(key="roots_finders").set_value(["mcmc"]).run()
    dec = open_app_page("views/decomposition.py")
    dec.selectbox(key="dec_a_finder").set_value("mcmc").run()
    for p in PARAMS:
        on_roots = roots.number_input(key=f"roots_p_{r}_mcmc_{p}").value
        on_dec = dec.number_input(key=f"dec_a_mcmc_{p}").value
        assert on_roots == on_dec == declared[p], (p, on_roots, on_dec, declared[p])


def test_interpolation_and_gamma_defaults_follow_the_registry() -> None:
    dec = open_app_page("views/decomposition.py")
    dec.selectbox(key="dec_a_finder").set_value("interpolation").run()
    assert dec.number_input(key="dec_a_interpolation_n_directions").value == \
        _declared("interpolation")["n_directions"]
    dec.selectbox(key="dec_a_finder").set_value("rule").run()
    dec.selectbox(key="dec_a_rule_rule").set_value("γ").run()
    assert dec.number_input(key="dec_a_rule_gamma").value == _declared("rule")["gamma"]


def test_decomposition_form_reads_the_declared_schema(monkeypatch: Any) -> None:
    """The decomposition page's finder form is the registry's declaration: change a declared default
    and the page follows (the page names no finder and no parameter)."""
    entry = FINDERS.get("mcmc")
    schema = tuple(replace(p, default=7) if p.name == "n_chains" else p for p in entry.schema)
    monkeypatch.setitem(FINDERS._entries, "mcmc", replace(entry, schema=schema))
    dec = open_app_page("views/decomposition.py")
    dec.selectbox(key="dec_a_finder").set_value("mcmc").run()
    assert dec.number_input(key="dec_a_mcmc_n_chains").value == 7
    assert dec.number_input(key="dec_a_mcmc_n_steps").value == entry.defaults()["n_steps"]


def test_roots_form_reads_the_declared_schema(monkeypatch: Any) -> None:
    """The roots page shows the defaults of the finder's one declaration (its schema): change the
    declared n_chains default and the page follows (before, it read a copy kept beside the schema)."""
    entry = FINDERS.get("mcmc")
    schema = tuple(replace(p, default=7) if p.name == "n_chains" else p for p in entry.schema)
    monkeypatch.setitem(FINDERS._entries, "mcmc", replace(entry, schema=schema))
    roots = open_app_page("views/roots.py")
    r = roots.session_state["lrp_rev"]
    roots.pills(key="roots_finders").set_value(["mcmc"]).run()
    assert roots.number_input(key=f"roots_p_{r}_mcmc_n_chains").value == 7
    assert roots.number_input(key=f"roots_p_{r}_mcmc_n_steps").value == entry.defaults()["n_steps"]
