"""Reading trainees' and instructors' tables: CSV in any Excel encoding, or XLSX.

:func:`read_table` returns a frame with canonical headers (see :mod:`simulator.engine.labels`; unknown
headers kept as they are and listed in ``df.attrs["unknown_headers"]``), numeric-looking columns as
numbers (percent strings → fractions, ``¥``, thousands separators, full-width digits), id columns kept
as text, date columns as ``YYYY-MM-DD`` strings, week columns as their Monday's ``YYYY-MM-DD`` (as
:func:`simulator.engine.frames.add_period` labels weeks) and month columns as ``YYYY-MM``.
Unparseable cells in those columns are kept as text, for the checker to point at (the column typing is
:mod:`simulator.engine.cells`; this module reads the file and finds the header row).

Problems raise :class:`TableReadError` with a bilingual message naming what is wrong and where.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.core.i18n import Msg, msg
from simulator.core.results import AnswerFormatError
from simulator.engine.cells import blank_cell, convert_column, percent_header
from simulator.engine.labels import canonical_column, rename_to_canonical
from simulator.engine.parsing import parse_number

_HEADER_SCAN_ROWS = 30

MAX_ROWS = 200_000
"""Rows of one table (a class's report tables have tens; a brought platform export some thousands)."""
MAX_COLUMNS = 500
"""Columns of one row."""
MAX_CELLS = 5_000_000
"""Non-empty cells of one table."""
MAX_CELL_CHARS = 32_767
"""Characters of one cell: Excel's own limit."""
MAX_XLSX_UNPACKED = 250_000_000
"""Bytes of an XLSX once unzipped (its XML); more is a zip bomb, not a table."""
TIME_BUDGET = 20.0
"""Seconds reading one table may take."""


class TableReadError(ValueError):
    """A table that cannot be read; ``message`` says what is wrong and where, in zh and en."""

    def __init__(self, message: Msg):
        super().__init__(message.key)
        self.message = message


def read_table(source: str | Path | bytes | pd.DataFrame, *, filename: str | None = None,
               sheet: str | None = None, dataset: str | None = None,
               max_bytes: int = 20_000_000) -> pd.DataFrame:
    """A table from a path, raw bytes or a frame, cleaned to canonical headers and typed values.

    >>> read_table("点击率,消耗\\n3.45%,\\"1,234\\"\\n".encode("gbk")).iloc[0].tolist()
    [0.0345, 1234.0]
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        frame.columns = _unique([_header_text(c, j) for j, c in enumerate(frame.columns)])
        return _finish(frame, dataset)
    data, name = _load_bytes(source, filename, max_bytes)
    grid = _read_grid(data, name, sheet)
    return _finish(_grid_to_frame(grid, name), dataset)


def _load_bytes(source: str | Path | bytes, filename: str | None, max_bytes: int) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        name = filename or "upload"
        data = bytes(source)
    else:
        path = Path(source)
        name = filename or path.name
        if not path.is_file():
            raise TableReadError(msg("upload.not_found", name=str(source)))
        if path.stat().st_size > max_bytes:
            raise _too_large(name, path.stat().st_size, max_bytes)
        data = path.read_bytes()
    if len(data) > max_bytes:
        raise _too_large(name, len(data), max_bytes)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise TableReadError(msg("upload.empty", name=name))
    return data, name


def _too_large(name: str, size: int, limit: int) -> TableReadError:
    return TableReadError(msg("upload.too_large", name=name, size=f"{size / 1e6:.1f}",
                              limit=f"{limit / 1e6:g}"))


def _read_grid(data: bytes, name: str, sheet: str | None) -> list[list[Any]]:
    if data[:4] == b"PK\x03\x04":
        return _xlsx_grid(data, name, sheet)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TableReadError(msg("upload.old_xls", name=name))
    text = _decode(data, name)
    if text.count("\n") > 2 * MAX_ROWS:  # certainly over the limit even if every other line were blank
        raise TableReadError(msg("upload.too_many_rows", name=name, limit=f"{MAX_ROWS:,}"))
    return _csv_grid(text, name)


class _Budget:
    """Counts rows and cells as a table is read and stops it at the limits above."""

    def __init__(self, name: str):
        self.name, self.cells, self.start = name, 0, time.monotonic()

    def row(self, number: int, values: list[Any]) -> None:
        """Checks row ``number`` (1-based) with its ``values`` (trailing blanks already dropped)."""
        if number > MAX_ROWS:
            raise TableReadError(msg("upload.too_many_rows", name=self.name, limit=f"{MAX_ROWS:,}"))
        if len(values) > MAX_COLUMNS:
            raise TableReadError(msg("upload.too_many_columns", name=self.name, row=number,
                                     limit=f"{MAX_COLUMNS:,}"))
        self.cells += len(values)
        if self.cells > MAX_CELLS:
            raise TableReadError(msg("upload.too_many_cells", name=self.name, limit=f"{MAX_CELLS:,}"))
        if any(isinstance(v, str) and len(v) > MAX_CELL_CHARS for v in values):
            raise TableReadError(msg("upload.cell_too_long", name=self.name, row=number,
                                     limit=f"{MAX_CELL_CHARS:,}"))
        if number % 2000 == 0 and time.monotonic() - self.start > TIME_BUDGET:
            raise TableReadError(msg("upload.too_slow", name=self.name, limit=f"{TIME_BUDGET:g}"))


def _trim(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    """The row without its trailing blank cells."""
    end = len(values)
    while end and blank_cell(values[end - 1]):
        end -= 1
    return list(values[:end])


# ------------------------------------------------------------------ text files
def _decode(data: bytes, name: str) -> str:
    """Text of a CSV/TXT file: BOM first, then UTF-16 by NUL pattern, then UTF-8, then GB18030."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _strict(data, codec, name)
    sample = data[:4000]
    if sample.count(b"\x00") > len(sample) // 4:
        codec = "utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be"
        return _strict(data, codec, name)
    if _looks_binary(sample):
        raise TableReadError(msg("upload.not_table", name=name))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as first:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as second:  # report where the likelier encoding broke
            line = data[: max(first.start, second.start)].count(b"\n") + 1
            raise TableReadError(msg("upload.encoding", name=name, line=line)) from None
    _check_text(text, name)
    return text


def _looks_binary(sample: bytes) -> bool:
    """Control bytes other than tab/CR/LF are rare in text in any of the encodings read here."""
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls > max(2, len(sample) // 200)


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise TableReadError(msg("upload.encoding", name=name, line=line)) from None
    _check_text(text, name)
    return text


def _check_text(text: str, name: str) -> None:
    """Random bytes can decode as GB18030; real tables have (almost) no control characters."""
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(2, len(sample) // 200) or "\x00" in sample:
        raise TableReadError(msg("upload.not_table", name=name))


def _sniff_delimiter(text: str) -> str:
    """The delimiter (comma, tab, semicolon, pipe) splitting most of the first lines consistently."""
    head = text[:200_000].splitlines()[:50]
    lines = [ln[:10_000] for ln in head if ln.strip()]
    best, best_score = ",", -1.0
    for delim in (",", "\t", ";", "|"):
        try:
            counts = [len(row) - 1 for row in csv.reader(lines, delimiter=delim)]
        except csv.Error:  # a quote left open by the cut: judge the other delimiters
            continue
        positive = [c for c in counts if c > 0]
        if not positive:
            continue
        mode = max(set(positive), key=positive.count)
        score = positive.count(mode) / len(counts) + (0.001 if delim == "," else 0.0)
        if score > best_score:
            best, best_score = delim, score
    return best


def _csv_grid(text: str, name: str = "upload") -> list[list[Any]]:
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    budget, grid = _Budget(name), list[list[Any]]()
    try:
        for row in reader:
            values = _trim(row)
            budget.row(len(grid) + 1, values)
            grid.append(values)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise TableReadError(msg("upload.cell_too_long", name=name, row=reader.line_num,
                                     limit=f"{MAX_CELL_CHARS:,}")) from None
        raise TableReadError(msg("upload.bad_csv", name=name, row=reader.line_num, reason=str(exc)[:100])) from None
    return grid


# ------------------------------------------------------------------ xlsx
def _xlsx_grid(data: bytes, name: str, sheet: str | None) -> list[list[Any]]:
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TableReadError(msg("upload.bad_xlsx", name=name)) from None
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        raise TableReadError(msg("upload.not_table", name=name))
    if sum(e.file_size for e in entries) > MAX_XLSX_UNPACKED:
        raise _too_large(name, sum(e.file_size for e in entries), MAX_XLSX_UNPACKED)
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for damaged files
        raise TableReadError(msg("upload.bad_xlsx", name=name)) from None
    try:
        ws = _pick_sheet(book, name, sheet)
        return _sheet_rows(ws, name)
    except TableReadError:
        raise
    except Exception:  # noqa: BLE001 - damaged sheet XML surfaces only while rows are read
        raise TableReadError(msg("upload.bad_xlsx", name=name)) from None
    finally:
        book.close()


def _sheet_rows(ws: Any, name: str) -> list[list[Any]]:
    """The sheet's rows as stored, blank rows skipped. openpyxl's ``iter_rows`` pads every missing row
    and cell up to the declared or last cell, so one cell at XFD1048576 would make it produce a million
    rows of 16,384 cells; reading the stored rows costs only what the file holds."""
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    budget, grid = _Budget(name), []
    book = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=book.data_only, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, stored in parser.parse():
            filled = [c for c in stored if not blank_cell(c["value"])]
            if not filled:
                continue
            width = max(c["column"] for c in filled)
            if width > MAX_COLUMNS:
                raise TableReadError(msg("upload.too_many_columns", name=name, row=number,
                                         limit=f"{MAX_COLUMNS:,}"))
            values: list[Any] = [None] * width
            for c in filled:
                values[c["column"] - 1] = _xlsx_value(ReadOnlyCell(ws, **c))
            budget.row(number, values)
            grid.append(values)
    return grid


def _xlsx_value(cell: Any) -> Any:
    """A cell's value; numbers formatted as percent become percent text (0.025 → ``"2.500%"``),
    as the trainee sees them in Excel."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) \
            and "%" in (getattr(cell, "number_format", None) or ""):
        return f"{Decimal(repr(value)) * 100}%"
    return value


def _pick_sheet(book: Any, name: str, sheet: str | None) -> Any:
    if not book.sheetnames:
        raise TableReadError(msg("upload.no_sheets", name=name))
    if sheet is None:
        return book[book.sheetnames[0]]
    if sheet in book.sheetnames:
        return book[sheet]
    wanted = sheet.strip().casefold()
    for candidate in book.sheetnames:
        if candidate.strip().casefold() == wanted:
            return book[candidate]
    raise TableReadError(msg("upload.sheet_not_found", name=name, sheet=sheet,
                             sheets=", ".join(book.sheetnames)))


# ------------------------------------------------------------------ grid → frame
def _drop_blank(grid: list[list[Any]]) -> pd.DataFrame:
    """The grid as an object frame without entirely blank rows and columns (ragged rows padded).

    >>> _drop_blank([[None, "a", ""], [], [" ", 1]]).values.tolist()
    [['a'], [1]]
    """
    frame = pd.DataFrame(grid, dtype=object) if grid else pd.DataFrame(dtype=object)
    blank = frame.isna()
    for j in range(frame.shape[1]):
        try:
            blank[j] |= frame[j].str.strip().eq("").to_numpy(dtype=bool)
        except AttributeError:  # no strings in this column (numbers from a workbook)
            continue
    frame = frame.loc[~blank.all(axis=1), ~blank.all(axis=0)]
    frame.columns = range(frame.shape[1])
    return frame.reset_index(drop=True)


def _is_text(value: Any) -> bool:
    if not isinstance(value, str) or blank_cell(value):
        return False
    try:
        parse_number(value)
        return False
    except AnswerFormatError:
        return True


def find_header(grid: list[list[Any]], dataset: str | None = None) -> int | None:
    """Index of the header row: the first row (of the first 30) that is mostly non-empty text and
    names known columns; failing that, the first mostly-text row at least half the table wide.

    >>> find_header([["2024年11月 广告报表", None], ["日期", "消耗"], ["2024-11-01", "12.5"]])
    1
    """
    scan = grid[:_HEADER_SCAN_ROWS]
    width = max((sum(not blank_cell(v) for v in r) for r in scan), default=0)
    need = max(min(2, width), -(-width // 2))
    fallback = None
    for i, row in enumerate(scan):
        filled = [v for v in row if not blank_cell(v)]
        texts = [v for v in filled if _is_text(v)]
        if len(filled) < need or len(texts) < 0.8 * len(filled):
            continue
        known = sum(canonical_column(v, dataset) is not None for v in texts)
        if known >= max(1, len(filled) / 2):
            return i
        fallback = i if fallback is None else fallback
    return fallback


def _grid_to_frame(grid: list[list[Any]], name: str) -> pd.DataFrame:
    cells = _drop_blank(grid)
    if cells.empty:
        raise TableReadError(msg("upload.empty", name=name))
    top = cells.head(_HEADER_SCAN_ROWS).astype(object).where(cells.head(_HEADER_SCAN_ROWS).notna(), None)
    row = find_header(top.values.tolist())
    if row is None:
        raise TableReadError(msg("upload.no_header", name=name))
    frame = cells.iloc[row + 1:].reset_index(drop=True)
    frame.columns = _unique([_header_text(v, j) for j, v in enumerate(cells.iloc[row])])
    frame.attrs["header_row"] = row
    return frame


def _header_text(value: Any, j: int) -> str:
    return f"column_{j + 1}" if blank_cell(value) else re.sub(r"\s+", " ", str(value)).strip()


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}.{seen[h] - 1}")
    return out


def _finish(frame: pd.DataFrame, dataset: str | None) -> pd.DataFrame:
    header_row = frame.attrs.get("header_row", 0)
    percent = [percent_header(h) for h in frame.columns]
    frame, unknown = rename_to_canonical(frame, dataset)
    frame = frame.dropna(how="all").reset_index(drop=True)
    out = pd.DataFrame({col: convert_column(str(col), frame.iloc[:, j], percent=percent[j])
                        for j, col in enumerate(frame.columns)})
    out.attrs.update(header_row=header_row, unknown_headers=unknown)
    return out
