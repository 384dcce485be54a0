"""Dataset exports keep every value exact: the XLSX and CSV of every shipped scenario read back cell for cell.

The expected cell is derived from the generated frame here, independently of the writer: ids are the
id's digits as text (an XLSX string cell), counts are whole numbers (an empty cell where a value is
missing), money and ratios are the same float, dates are ``YYYY-MM-DD``, category values are the
``lang`` label of the canonical value.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from data.generators import all_columns
from simulator import generate_datasets, load_scenario
from simulator.assessment.datasets import csv_bytes, xlsx_bytes
from simulator.assessment.scenario import shipped_paths
from simulator.core.value_labels import VALUES, canonical_value, value_label
from simulator.engine.labels import column_label

SCALE = 0.3
SHIPPED = [p.stem for p in shipped_paths()]


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def expected_cell(value: object, unit: str, column: str, lang: str) -> object:
    """What a file must hold for ``value``: None, str, int or float."""
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M:%S")
    if unit == "id":
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, str):
        return value_label(column, value, lang)
    if unit in ("count", "flag"):
        assert float(value).is_integer(), (column, value)
        return int(value)
    return float(value)


def check_rows(frame: pd.DataFrame, dataset: str, lang: str, header: list, rows: list[list]) -> dict:
    """Asserts every cell; returns what was covered (blank counts, long ids, translated values)."""
    units = {c: doc.unit for c, doc in all_columns().get(dataset, {}).items()}
    assert list(header) == [column_label(c, lang, dataset) if lang == "zh" else c for c in frame.columns]
    assert len(rows) == len(frame), dataset
    seen = {"blank_count": 0, "long_id": 0, "translated": 0}
    for j, column in enumerate(frame.columns):
        unit = units.get(column, "")
        for i, value in enumerate(frame[column].astype(object).tolist()):
            want, got = expected_cell(value, unit, column, lang), rows[i][j]
            same_type = type(got) is type(want) or (isinstance(want, float) and isinstance(got, int))
            assert got == want and same_type, (dataset, column, i, value, got)  # 2.0 yuan may read as 2
            seen["blank_count"] += want is None and unit == "count"
            seen["long_id"] += unit == "id" and isinstance(want, str) and len(want) >= 16
            seen["translated"] += column in VALUES and want != value
            if column in VALUES and isinstance(value, str):
                assert canonical_value(got) == value
    return seen


def read_xlsx(data: bytes) -> dict[str, tuple[list, list[list]]]:
    """Sheet → (header, rows) with the cells' own Python types (openpyxl: str, int, float, None)."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    out = {}
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        out[sheet.title] = (rows[0], rows[1:])
    return out


def read_csv(data: bytes, frame: pd.DataFrame, dataset: str) -> tuple[list, list[list]]:
    """Header and rows of a CSV, each field typed as the column's unit says (text stays text)."""
    assert data.startswith(b"\xef\xbb\xbf")
    units = {c: doc.unit for c, doc in all_columns().get(dataset, {}).items()}
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    kinds = [_kind(frame[c], units.get(c, "")) for c in frame.columns]
    rows = [[_typed(cell, kind) for cell, kind in zip(line, kinds, strict=True)] for line in lines[1:]]
    return lines[0], rows


def _kind(values: pd.Series, unit: str) -> str:
    if unit == "id" or not pd.api.types.is_numeric_dtype(values):
        return "text"
    return "int" if unit in ("count", "flag") else "float"


def _typed(cell: str, kind: str) -> object:
    if cell == "":
        return None
    if kind == "int":
        assert "." not in cell and "e" not in cell.lower(), cell  # a count is written as an integer
        return int(cell)
    return float(cell) if kind == "float" else cell


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_every_shipped_scenario_round_trips_exactly(scenario_id):
    frames = generate_datasets(load_scenario(scenario_id), "rt-1", scale=SCALE)
    sheets = read_xlsx(xlsx_bytes(frames, "zh"))
    assert list(sheets) == [name[:31] for name in frames]
    for name, frame in frames.items():
        check_rows(frame, name, "zh", *sheets[name[:31]])
        for lang in ("zh", "en"):
            check_rows(frame, name, lang, *read_csv(csv_bytes(frame, name, lang), frame, name))


def test_long_ids_blank_counts_and_values_are_covered():
    """The round trip really meets what used to break: 19-digit order ids, counts with a blank, statuses."""
    accounts = generate_datasets(load_scenario("l4-account-report"), "rt-2")["accounts_daily"]
    seen = check_rows(accounts, "accounts_daily", "zh",
                      *read_csv(csv_bytes(accounts, "accounts_daily"), accounts, "accounts_daily"))
    assert seen["blank_count"] > 0
    orders = generate_datasets(load_scenario("exam-l3-analysis"), "rt-2", scale=SCALE)["ad_orders"]
    header, rows = read_xlsx(xlsx_bytes({"ad_orders": orders}, "zh"))["ad_orders"]
    seen = check_rows(orders, "ad_orders", "zh", header, rows)
    assert seen["long_id"] == len(orders) and seen["translated"] > 0
    assert len({r[0] for r in rows}) == orders["order_id"].nunique()
    assert {r[header.index("订单状态")] for r in rows} <= {"已签收", "运输中", "已退货", "拒收"}


def test_csv_quotes_long_digit_ids_and_leading_zeros_only():
    orders = pd.DataFrame({"order_id": [6924423974560609192, 6924423974560609193], "date": ["2024-10-01"] * 2,
                           "campaign_id": ["C01", "007"], "product_id": ["P1", "P2"], "amount": [9.9, 19.8],
                           "status": ["signed", "in_transit"]})
    text = csv_bytes(orders, "ad_orders", "en").decode("utf-8-sig").splitlines()
    assert text[1] == '"6924423974560609192",2024-10-01,C01,P1,9.9,signed'
    assert text[2] == '"6924423974560609193",2024-10-01,"007",P2,19.8,in_transit'


def test_en_export_translates_chinese_categories_and_zh_translates_codes():
    frames = generate_datasets(load_scenario("exam-l3-analysis"), "rt-3", scale=SCALE)
    en = pd.read_csv(io.BytesIO(csv_bytes(frames["ad_delivery"], "ad_delivery", "en")), encoding="utf-8-sig")
    assert set(en["objective"]) <= {v[1] for v in VALUES["objective"].values()}
    assert set(en["placement"]) <= {v[1] for v in VALUES["placement"].values()}
    zh = pd.read_csv(io.BytesIO(csv_bytes(frames["experiment"], "experiment", "zh")), encoding="utf-8-sig")
    assert set(zh["实验组别"]) == {"对照组", "实验组"}
    assert set(frames["ad_orders"]["status"]) <= {"signed", "rejected", "returned", "in_transit"}  # frames keep codes


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_graders_accept_category_values_in_either_language(lang):
    """A report grouped by category, its values written as the en (or zh) export writes them, scores full marks."""
    from simulator import answer_key
    from simulator.assessment.grading import grade_detailed

    scenario = load_scenario("exam-l3-analysis")
    entry = next(e for e in answer_key(scenario, "rt-4")["tasks"] if e["id"] == "t5")
    table = pd.DataFrame(entry["answer"]["rows"])
    table["category"] = [value_label("category", v, lang) for v in table["category"]]
    if lang == "en":
        assert set(table["category"]).isdisjoint(VALUES["category"])  # really English now
    data = table.to_csv(index=False).encode("utf-8-sig")
    result = next(r for r in grade_detailed(scenario, "rt-4", {"t5": data}).tasks if r.id == "t5")
    assert result.status == "correct" and result.score == result.max_score, result
