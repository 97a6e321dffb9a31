"""Browser helpers for the editor's tables and diagram (shared by the
Playwright tests and bench/bench_load.py).

``st.data_editor`` draws a canvas grid (glide-data-grid), so cells are found by
position: the index column is 60 px wide and number columns 90 px (set by
views/editor.py); the header and every row are 35 px high. The diagram's
hover trace named ``weight values`` carries ``[layer, row, col, value]`` per
edge, which is how tests read a weight back from what the browser shows.
"""

from __future__ import annotations

from typing import Any

INDEX_WIDTH = 60
COLUMN_WIDTH = 90
ROW_HEIGHT = 35
#: delay between keystrokes typed into a cell editor, in ms. The grid's number
#: editor keeps the value in its own state: keys sent with no delay at all (as
#: Playwright does by default) can show up in the input while that state still
#: holds the old value, and Enter then commits no edit (seen in about half the
#: runs of the editor test; none in 6 runs at 30 ms). 50 ms is a fast typist.
TYPE_DELAY_MS = 50

WEIGHT_JS = """([k, i, j]) => {
  for (const p of Array.from(document.querySelectorAll('.js-plotly-plot'))) {
    for (const t of (p.data || [])) {
      if (t.name === 'weight values') {
        const row = t.customdata.find(r => r[0] === k && r[1] === i && r[2] === j);
        return row ? row[3] : null;
      }
    }
  }
  return null;
}"""


def cell_point(box: dict[str, float], row: int, col: int = 0) -> tuple[float, float]:
    """Page coordinates of the centre of cell (row, col) of a grid whose
    bounding box is ``box`` (row and col count from 0, header excluded)."""
    return (box["x"] + INDEX_WIDTH + COLUMN_WIDTH * (col + 0.5), box["y"] + ROW_HEIGHT * (row + 1.5))


def weight(page: Any, k: int, i: int, j: int) -> float | None:
    """The weight (layer k, row i, column j) as the diagram in the page shows it."""
    return page.evaluate(WEIGHT_JS, [k, i, j])
