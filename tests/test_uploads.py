"""Reading tables as Excel and WPS save them: encodings, delimiters, title rows, blanks, percents.

The committed fixtures under ``tests/fixtures/uploads/`` are the same small report table saved several
ways; regenerate them with ``python tests/test_uploads.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from simulator.core.i18n import t
from simulator.engine.uploads import TableReadError, find_header, read_table

FIXTURES = Path(__file__).parent / "fixtures" / "uploads"

EXPECTED = pd.DataFrame({
    "date": ["2024-11-01", "2024-11-01", "2024-11-02"],
    "campaign_id": ["C01", "C02", "C01"],
    "campaign_name": ["双11预热-美妆", "直播引流", "双11预热-美妆"],
    "cost": [1234.5, 980.0, 15000.0],
    "impressions": [100000, 56000, 1200000],
    "clicks": [2500, 1120, 30000],
    "ctr": [0.025, 0.02, 0.025],
    "cpm": [12.35, 17.5, 12.5],
})
ZH_HEADERS = ["日期", "计划ID", "计划名称", "消耗(元)", "展示数", "点击数", "点击率", "平均千次展示费用"]
EN_HEADERS = ["Date", "campaign_id", "Campaign Name", "COST", "impressions", "clicks", "CTR", "cpm"]
ROWS = [
    ["2024-11-01", "C01", "双11预热-美妆", "1,234.50", "100,000", "2,500", "2.50%", "12.35"],
    ["2024/11/01", "C02", "直播引流", "￥980", "56000", "1120", "2.00%", "17.50"],
    ["2024年11月2日", "C01", "双11预热-美妆", "1.5万", "1,200,000", "30000", "2.5%", "12.5"],
]


def _csv(headers: list[str], rows: list[list[str]], sep: str = ",") -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if sep in v or '"' in v else v
    return "\r\n".join(sep.join(cell(v) for v in row) for row in [headers, *rows]) + "\r\n"


def _xlsx_with_title(path: Path | io.BytesIO, sheet: str = "报表") -> None:
    """Title merged over the table, a blank row, a blank first column and a blank row inside."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws["B1"] = "2024年11月 巨量千川投放日报"
    ws.merge_cells("B1:I1")
    ws["B2"] = "导出时间:2024-12-01"
    for j, header in enumerate(ZH_HEADERS):
        ws.cell(row=4, column=2 + j, value=header)
    values = [
        [dt.datetime(2024, 11, 1), "C01", "双11预热-美妆", 1234.5, 100000, 2500, 0.025, 12.35],
        [dt.datetime(2024, 11, 1), "C02", "直播引流", 980, 56000, 1120, "2.00%", 17.5],
        None,
        [dt.datetime(2024, 11, 2), "C01", "双11预热-美妆", 15000, 1200000, 30000, 0.025, 12.5],
    ]
    row = 5
    for record in values:
        if record is not None:
            for j, value in enumerate(record):
                cell = ws.cell(row=row, column=2 + j, value=value)
                if j == 6 and isinstance(value, float):
                    cell.number_format = "0.00%"
        row += 1
    book.create_sheet("其他").append(["无关", "内容"])
    book.save(path)


def make_fixtures(folder: Path) -> None:
    """Writes the committed fixtures (same table, several encodings and layouts)."""
    folder.mkdir(parents=True, exist_ok=True)
    zh = _csv(ZH_HEADERS, ROWS)
    (folder / "report_gbk.csv").write_bytes(zh.encode("gbk"))
    (folder / "report_utf8_bom.csv").write_bytes(zh.encode("utf-8-sig"))
    (folder / "report_utf16.txt").write_bytes(_csv(ZH_HEADERS, ROWS, "\t").encode("utf-16"))
    title = "2024年11月 投放日报,,,,,,,\r\n,,,,,,,\r\n"
    (folder / "report_title_en.csv").write_bytes((title + _csv(EN_HEADERS, ROWS)).encode("utf-8"))
    _xlsx_with_title(folder / "report_title.xlsx")


def assert_expected(df: pd.DataFrame) -> None:
    assert list(df.columns) == list(EXPECTED.columns)
    assert df["date"].tolist() == EXPECTED["date"].tolist()
    assert df["campaign_id"].tolist() == EXPECTED["campaign_id"].tolist()
    assert df["campaign_name"].tolist() == EXPECTED["campaign_name"].tolist()
    for col in ["cost", "impressions", "clicks", "ctr", "cpm"]:
        assert df[col].dtype.kind in "if", col
        assert df[col].tolist() == pytest.approx(EXPECTED[col].tolist(), rel=1e-12), col


@pytest.mark.parametrize("name", ["report_gbk.csv", "report_utf8_bom.csv", "report_utf16.txt",
                                  "report_title_en.csv", "report_title.xlsx"])
def test_committed_fixtures(name):
    df = read_table(FIXTURES / name)
    assert_expected(df)
    assert df.attrs["unknown_headers"] == []


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16", "utf-16-le",
                                      "utf-16-be"])
@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_encodings_and_delimiters(encoding, sep):
    data = _csv(ZH_HEADERS, ROWS, sep).encode(encoding)
    assert_expected(read_table(data, filename=f"report.{encoding}.csv"))


def test_xlsx_named_sheet_and_missing_sheet(tmp_path):
    buffer = io.BytesIO()
    _xlsx_with_title(buffer, sheet="日报")
    data = buffer.getvalue()
    assert_expected(read_table(data, filename="r.xlsx", sheet="日报"))
    assert read_table(data, sheet="其他").columns.tolist() == ["无关", "内容"]
    with pytest.raises(TableReadError) as info:
        read_table(data, filename="r.xlsx", sheet="Sheet9")
    assert info.value.message.key == "upload.sheet_not_found"
    assert "日报" in info.value.message.render("en") and "Sheet9" in info.value.message.render("zh")


def test_blank_rows_and_columns_and_placeholders():
    text = ",,,\n,日期,点击数,点击率,\n,,,,\n,2024-11-01,10,1.5%,\n,2024-11-02,--,,\n,,,,\n"
    df = read_table(text.encode("utf-8"))
    assert df.columns.tolist() == ["date", "clicks", "ctr"]
    assert df["date"].tolist() == ["2024-11-01", "2024-11-02"]
    assert df["clicks"].iloc[0] == 10 and np.isnan(df["clicks"].iloc[1])
    assert df["ctr"].iloc[0] == pytest.approx(0.015) and np.isnan(df["ctr"].iloc[1])


def test_ids_stay_text_and_unknown_headers_kept():
    text = "user_id,campaign_id,product_id,备注,商品名称\n1001,001,P0001,好评,618礼盒\n1002,002,P0002,,\n"
    df = read_table(text.encode("utf-8"))
    assert df["user_id"].dtype == "int64" and df["user_id"].tolist() == [1001, 1002]
    assert df["campaign_id"].tolist() == ["001", "002"]
    assert df["product_id"].tolist() == ["P0001", "P0002"]
    assert df["备注"].tolist() == ["好评", None]
    assert df["product_name"].tolist() == ["618礼盒", None]
    assert df.attrs["unknown_headers"] == ["备注"]


def test_percent_in_header_means_percent_numbers():
    text = "日期,点击率(%),转化率（%）,消耗\n2024-11-01,2.5,3%,100\n2024-11-02,1.25,4,200\n"
    df = read_table(text.encode("gbk"))
    assert df.columns.tolist() == ["date", "ctr", "cvr", "cost"]
    assert df["ctr"].tolist() == pytest.approx([0.025, 0.0125])
    assert df["cvr"].tolist() == pytest.approx([0.03, 0.04])
    assert df["cost"].tolist() == [100, 200]
    frame = read_table(pd.DataFrame({"点击率(%)": [2.5], "消耗": [1.0]}))
    assert frame["ctr"].tolist() == pytest.approx([0.025])


def test_xlsx_percent_formatted_numbers():
    book = openpyxl.Workbook()
    book.active.append(["计划ID", "点击率", "点击率(%)"])
    book.active.append(["C01", 0.0345, 0.0345])
    for cell in book.active[2][1:]:
        cell.number_format = "0.00%"
    buffer = io.BytesIO()
    book.save(buffer)
    df = read_table(buffer.getvalue())
    assert df.columns.tolist() == ["campaign_id", "ctr", "点击率(%)"]
    assert df["ctr"].tolist() == [pytest.approx(0.0345)]
    assert df["点击率(%)"].tolist() == [pytest.approx(0.0345)]


def test_long_integer_ids_keep_every_digit():
    text = "订单编号,订单金额\n6921939587418920388,12.5\n6921939587418920460,30\n"
    df = read_table(text.encode("utf-8"))
    assert df["order_id"].dtype == "int64"
    assert df["order_id"].tolist() == [6921939587418920388, 6921939587418920460]


def test_generated_datasets_round_trip_through_chinese_csv_and_xlsx():
    from data.generators import FAMILIES
    from simulator.engine.labels import rename_to_labels

    family = FAMILIES["ads"]
    frames = family.generate(np.random.default_rng(3), family.Params(), 0.1).frames
    for name, frame in frames.items():
        data = rename_to_labels(frame, "zh", name).to_csv(index=False).encode("utf-8-sig")
        back = read_table(data, dataset=name)
        assert list(back.columns) == list(frame.columns), name
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                assert back[col].tolist() == frame[col].dt.strftime("%Y-%m-%d").tolist()
            elif pd.api.types.is_numeric_dtype(frame[col]):
                assert back[col].to_numpy(dtype=float) == pytest.approx(frame[col].to_numpy(dtype=float))
            else:
                assert back[col].tolist() == frame[col].astype(str).tolist()
    buffer = io.BytesIO()
    rename_to_labels(frames["ad_delivery"].head(50), "zh", "ad_delivery").to_excel(buffer, index=False)
    back = read_table(buffer.getvalue(), dataset="ad_delivery")
    assert list(back.columns) == list(frames["ad_delivery"].columns)
    assert back["cost"].sum() == pytest.approx(frames["ad_delivery"]["cost"].head(50).sum())


def test_week_and_month_columns():
    text = ("周,月份,消耗\n2024/11/4,2024年11月,1\n45607,2024-12,2\n2024-W45,2025/1,3\n"
            "2024-11-10~2024-11-16,2024-02-15,4\n第45周,11月,5\n")
    df = read_table(text.encode("gbk"))
    assert df["week"].tolist() == ["2024-11-04", "2024-11-11", "2024-11-04", "2024-11-04", "第45周"]
    assert df["month"].tolist() == ["2024-11", "2024-12", "2025-01", "2024-02", "11月"]
    day = pd.to_datetime(["2024-11-06"])
    frame = pd.DataFrame({"week": day, "month": day, "date": day,
                          "start_time": pd.to_datetime(["2024-11-06 20:30"])})
    assert read_table(frame).iloc[0].tolist() == \
        ["2024-11-04", "2024-11", "2024-11-06", "2024-11-06 20:30:00"]


def test_dataset_specific_headers():
    text = "场次ID,商品曝光人数,商品点击人数\nS1,100,20\n"
    assert read_table(text.encode("utf-8"), dataset="live_products").columns.tolist() == \
        ["session_id", "exposure_users", "click_users"]
    assert read_table(text.encode("utf-8")).columns.tolist() == \
        ["session_id", "product_exposure_users", "product_click_users"]


def test_dataframe_source():
    frame = pd.DataFrame({"日期": pd.to_datetime(["2024-11-01"]), "点击率": ["3.45%"], "消耗": [12.5],
                          "计划ID": ["C01"]})
    df = read_table(frame)
    assert df.columns.tolist() == ["date", "ctr", "cost", "campaign_id"]
    assert df.iloc[0].tolist() == ["2024-11-01", pytest.approx(0.0345), 12.5, "C01"]
    assert "ctr" not in frame.columns


def test_header_found_below_title_rows():
    grid = [["某某店铺 2024年11月 报表"], ["单位:元"], ["日期", "消耗", "点击数"], ["2024-11-01", "1", "2"]]
    assert find_header(grid) == 2
    assert find_header([["a", "b"], ["c", "d"]]) == 0
    assert find_header([["1", "2"], ["3", "4"]]) is None


def _error_key(source, **kwargs) -> str:
    with pytest.raises(TableReadError) as info:
        read_table(source, **kwargs)
    message = info.value.message
    zh, en = message.render("zh"), message.render("en")
    assert zh != en and message.key not in (zh, en)
    return message.key


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_errors(tmp_path):
    assert _error_key(b"") == "upload.empty"
    assert _error_key(b" \r\n,,,\r\n", filename="blank.csv") == "upload.empty"
    assert _error_key(b"a,b\n1,2\n" * 100, max_bytes=50) == "upload.too_large"
    assert _error_key(_docx_bytes(), filename="answer.docx") == "upload.not_table"
    random_bytes = np.random.default_rng(7).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    assert _error_key(random_bytes, filename="x.csv") == "upload.not_table"
    assert _error_key(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == "upload.old_xls"
    assert _error_key(b"PK\x03\x04garbage") == "upload.bad_xlsx"
    assert _error_key("日期,消耗\n2024-11-01,1\n\xff\xfe\xff".encode("gbk", "ignore") + b"\x81\xff\n") == \
        "upload.encoding"
    assert _error_key(b"1,2,3\n4,5,6\n") == "upload.no_header"
    assert _error_key(tmp_path / "missing.csv") == "upload.not_found"


def test_error_messages_name_the_file():
    with pytest.raises(TableReadError) as info:
        read_table(_docx_bytes(), filename="作业.docx")
    assert "作业.docx" in info.value.message.render("zh")
    assert "CSV" in info.value.message.render("en")
    assert t("upload.encoding", "en", name="a.csv", line=3).count("3") == 1


def test_encoding_error_says_where():
    data = "日期,消耗\n2024-11-01,1\n".encode() + b"2024-11-02,\xff\xfe\n"
    with pytest.raises(TableReadError) as info:
        read_table(data, filename="a.csv")
    assert info.value.message.args["line"] == 3


if __name__ == "__main__":
    make_fixtures(FIXTURES)
    print(f"fixtures written to {FIXTURES}")
