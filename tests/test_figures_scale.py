"""Presenter mode's figure scaling: every text size grows by the factor, nothing else changes."""

from __future__ import annotations

import plotly.graph_objects as go

from lrp_explorer.figures.scale import scaled_text


def test_every_text_size_is_scaled_and_the_original_is_untouched() -> None:
    fig = go.Figure(go.Bar(x=["h1", "h2"], y=[1, 2], name="bars"))
    fig.update_layout(title={"text": "t", "font": {"size": 14}}, legend={"font": {"size": 11}},
                      xaxis={"title": {"text": "x", "font": {"size": 10}}, "tickfont": {"size": 9}})
    fig.add_annotation(text="note", x=0, y=0, font={"size": 10})
    fig.add_annotation(text="plain", x=1, y=1)
    out = scaled_text(fig, 1.5)
    assert out.layout.font.size == 18  # Plotly's default 12, scaled
    assert out.layout.title.font.size == 21
    assert out.layout.legend.font.size == 16.5
    assert out.layout.xaxis.title.font.size == 15 and out.layout.xaxis.tickfont.size == 13.5
    assert [a.font.size for a in out.layout.annotations] == [15, 18]  # an unsized one gets the base size
    assert fig.layout.title.font.size == 14 and fig.layout.font.size is None  # the input is not modified
    assert out.data[0].y == (1, 2) and out.layout.title.text == "t"


def test_margins_grow_with_the_text() -> None:
    """Margins sized for the text (figures.fit) grow by the same factor; unset sides stay unset."""
    fig = go.Figure(go.Bar(x=["h1"], y=[1]), layout={"margin": {"l": 70, "t": 41}})
    out = scaled_text(fig, 1.5)
    assert (out.layout.margin.l, out.layout.margin.t) == (105, 62)
    assert out.layout.margin.r is None and out.layout.margin.b is None
    assert fig.layout.margin.l == 70
