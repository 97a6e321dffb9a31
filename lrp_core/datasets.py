"""Data sets from CSV text: input columns, then one target column per output.

Uploads are bytes: they are decoded as UTF-8 text (size-capped, binary and
pickles refused by :func:`lrp_core.io.decode_text`) and parsed with the
``csv`` module; nothing is unpickled or executed. An optional first row of
column names is recognised when none of its cells is a number. Line breaks
may be LF, CRLF or old-Mac CR alone; values are capped in magnitude at
``MAX_ABS_VALUE`` (the network's own cap) so that no computation on them
overflows by construction.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import torch

from lrp_core.errors import LRPError
from lrp_core.io import decode_text
from lrp_core.network import MAX_ABS_VALUE, Network

MAX_CSV_BYTES = 5_000_000
MAX_ROWS = 100_000


@dataclass(frozen=True, eq=False)
class CSVData:
    """A parsed data set: ``X`` (N × n_inputs), ``y`` (N × n_outputs), float64."""

    X: torch.Tensor
    y: torch.Tensor
    columns: tuple[str, ...]
    source: str = "upload"

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _columns_hint(n_inputs: int, n_outputs: int) -> str:
    return f"{n_inputs + n_outputs} ({n_inputs} inputs, then {n_outputs} target(s))"


#: a row of the file with the line it starts on (blank lines count, as in an editor)
Row = tuple[int, list[str]]


def _read_rows(text: str) -> list[Row]:
    """The non-blank rows of ``text`` in its sniffed dialect (comma, semicolon or tab), each with its line."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="" hands every line break (LF, CRLF or a bare CR) to the csv module, which accepts all three
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[Row] = []
    try:
        start = 1
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LRPError(f"the CSV file cannot be read at line {reader.line_num}: {exc}") from None
    return rows


def _split_header(rows: list[Row], n_inputs: int, n_outputs: int) -> tuple[list[str] | None, list[Row]]:
    """``(header, data rows)``: the first row is a header when none of its cells is a number."""
    first = rows[0][1]
    if any(_is_number(cell.strip()) for cell in first):
        return None, rows
    header = [cell.strip() for cell in first]
    if len(header) != n_inputs + n_outputs:
        raise LRPError(
            f"the CSV header has {len(header)} columns but this network needs {_columns_hint(n_inputs, n_outputs)}"
        )
    return header, rows[1:]


def _cell_value(cell: str, line: int, column: int) -> float:
    """One cell as a finite float within ``MAX_ABS_VALUE``, or a one-line error naming its place."""
    text = cell.strip()
    where = f"CSV line {line}, column {column}: {text[:30]!r}"
    try:
        v = float(text)
    except ValueError:
        raise LRPError(f"{where} is not a number") from None
    if not math.isfinite(v):
        raise LRPError(f"{where} is not a finite number")
    if abs(v) > MAX_ABS_VALUE:
        raise LRPError(f"{where} is larger in magnitude than the cap of {MAX_ABS_VALUE:g}")
    return v


def _row_values(row: list[str], line: int, n_inputs: int, n_outputs: int) -> list[float]:
    if len(row) != n_inputs + n_outputs:
        raise LRPError(
            f"CSV line {line} has {len(row)} columns but this network needs {_columns_hint(n_inputs, n_outputs)}"
        )
    return [_cell_value(cell, line, c + 1) for c, cell in enumerate(row)]


def parse_csv(
    data: bytes | str,
    n_inputs: int,
    n_outputs: int,
    *,
    source: str = "upload",
    max_bytes: int = MAX_CSV_BYTES,
    max_rows: int = MAX_ROWS,
) -> CSVData:
    """Parse CSV text into ``(X, y)`` with exactly ``n_inputs + n_outputs`` columns.

    Refused with a one-line :class:`LRPError`: oversized, binary or non-UTF-8
    data, no data rows, more than ``max_rows`` rows, a row with the wrong
    number of columns, a cell that is not a finite number or is larger in
    magnitude than ``MAX_ABS_VALUE``, a field too long for the ``csv`` module
    (131,072 characters).
    """
    rows = _read_rows(decode_text(data, what="CSV file", max_bytes=max_bytes))
    if not rows:
        raise LRPError(f"the CSV file has no rows; expected {n_inputs + n_outputs} columns "
                       f"({n_inputs} inputs, {n_outputs} targets)")
    header, rows = _split_header(rows, n_inputs, n_outputs)
    if not rows:
        raise LRPError("the CSV file has a header but no data rows")
    if len(rows) > max_rows:
        raise LRPError(f"the CSV file has {len(rows):,} data rows, more than the cap of {max_rows:,}")
    values = [_row_values(row, line, n_inputs, n_outputs) for line, row in rows]
    table = torch.tensor(values, dtype=torch.float64)
    columns = tuple(header) if header is not None else tuple(
        [f"x{i + 1}" for i in range(n_inputs)] + [f"y{j + 1}" for j in range(n_outputs)]
    )
    return CSVData(table[:, :n_inputs].contiguous(), table[:, n_inputs:].contiguous(), columns, source)


def parse_csv_for(net: Network, data: bytes | str, *, source: str = "upload") -> CSVData:
    """:func:`parse_csv` with the column counts of ``net``."""
    return parse_csv(data, net.n_inputs, net.n_outputs, source=source)


def to_csv(X: torch.Tensor, y: torch.Tensor, columns: tuple[str, ...] | None = None) -> str:
    """``(X, y)`` as CSV text with a header (round-trips through :func:`parse_csv`)."""
    n_in, n_out = int(X.shape[1]), int(y.reshape(X.shape[0], -1).shape[1])
    names = columns or tuple([f"x{i + 1}" for i in range(n_in)] + [f"y{j + 1}" for j in range(n_out)])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    for xr, yr in zip(X.tolist(), y.reshape(X.shape[0], -1).tolist(), strict=True):
        w.writerow([repr(float(v)) for v in xr + yr])
    return buf.getvalue()


def update_data(
    previous: CSVData | None, data: bytes | str, n_inputs: int, n_outputs: int, *, source: str = "upload"
) -> tuple[CSVData | None, str | None]:
    """The page's upload step as a pure function: ``(new data, None)`` if the
    CSV is valid, else ``(previous, error message)`` so the old data stay."""
    try:
        return parse_csv(data, n_inputs, n_outputs, source=source), None
    except LRPError as exc:
        return previous, str(exc)


def fits(data: CSVData | None, net: Network) -> bool:
    """Whether stored data still match the network's input and output counts."""
    return data is not None and data.X.shape[1] == net.n_inputs and data.y.shape[1] == net.n_outputs
