"""The parsing layer of ``spend import``: real export files in, spend rows out."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetctl.domain.errors import BudgetError, ImportRejected, InvalidValue
from budgetctl.domain.money import parse_micros
from budgetctl.importers import SpendReader, SpendRow
from budgetctl.importers.reader import MAX_PROBLEMS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EST = timezone(timedelta(hours=-5))


def read(
    path: Path, fmt: str = "auto", encoding: str | None = None
) -> tuple[SpendReader, list[SpendRow]]:
    with path.open("rb") as f:
        reader = SpendReader(f, path.name, fmt=fmt, encoding=encoding)
        return reader, list(reader)


def read_bytes(
    data: bytes, name: str = "spend.csv", fmt: str = "auto", encoding: str | None = None
) -> tuple[SpendReader, list[SpendRow]]:
    reader = SpendReader(io.BytesIO(data), name, fmt=fmt, encoding=encoding)
    return reader, list(reader)


def rejected(data: bytes, name: str = "spend.csv", **kwargs: str) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        read_bytes(data, name, **kwargs)
    return info.value.problems


def brief(rows: list[SpendRow]) -> list[tuple[int, str, str | None, date | None, int]]:
    """(line, campaign, external id, day, micros) of each row."""
    return [(r[0], r[1], r[2], r[4], r[6]) for r in rows]


class Pipe(io.RawIOBase):
    """A non-seekable stream that hands out a few bytes at a time, like a pipe."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self._data = data
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._step, len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


# -- the ad networks' own exports ------------------------------------------------------------


def test_google_ads_csv_report() -> None:
    reader, rows = read(FIXTURES / "google-ads-campaign-report.csv")
    assert reader.network == "google-ads"
    assert brief(rows) == [
        (4, "Acme - Search", "21456789012", date(2026, 11, 1), 1_033_330_000),
        (5, "Acme - Search", "21456789012", date(2026, 11, 2), 412_070_000),
        (6, "Acme - Search", "21456789012", date(2026, 11, 3), 0),
        (7, "Acme - Display", "21456789013", date(2026, 11, 1), 88_100_000),
        (8, "Acme - Display", "21456789013", date(2026, 11, 2), 0),
    ]
    assert {r[7] for r in rows} == {"USD"}
    assert all(r[3] is None and r[5] is None and r[8] is None and r[9] is None for r in rows)
    assert sum(r[6] for r in rows) == 1_533_500_000  # the file's own Total rows
    assert reader.skipped_totals == 2
    assert reader.rows_read == 5
    assert reader.problems == [] and reader.problem_count == 0


def test_google_ads_excel_csv_is_utf16_tab_crlf() -> None:
    reader, rows = read(FIXTURES / "google-ads-excel.csv")
    assert reader.network == "google-ads"
    assert reader.delimiter == "\t"
    assert brief(rows) == [
        (4, "Acme - Search", "21456789012", date(2026, 11, 24), 61_250_000),
        (5, "Acme - Display", "21456789013", date(2026, 11, 24), 38_750_000),
    ]
    assert sum(r[6] for r in rows) == 100_000_000
    assert [r[7] for r in rows] == ["USD", "USD"]
    assert reader.skipped_totals == 2
    assert reader.bytes_read == (FIXTURES / "google-ads-excel.csv").stat().st_size


def test_google_ads_per_campaign_total_without_a_day_is_skipped() -> None:
    data = b"Day,Campaign,Cost\n2026-11-24,Spring,10.00\n,Spring,10.00\n"
    reader, rows = read_bytes(data, "g.csv")
    assert brief(rows) == [(2, "Spring", None, date(2026, 11, 24), 10_000_000)]
    assert (reader.problems, reader.skipped_totals, reader.rows_read) == ([], 1, 1)


def test_meta_daily_export_skips_the_summary_row() -> None:
    reader, rows = read(FIXTURES / "meta-ads-daily.csv")
    assert reader.network == "meta"
    assert brief(rows) == [
        (3, "Globex - Prospecting", "120210000000000001", date(2026, 11, 1), 1_234_560_000),
        (4, "Globex - Prospecting", "120210000000000001", date(2026, 11, 2), 1_002_000_000),
    ]
    assert [r[7] for r in rows] == ["USD", "USD"]  # from "Amount spent (USD)"
    assert reader.skipped_totals == 1
    assert reader.bytes_read == (FIXTURES / "meta-ads-daily.csv").stat().st_size


def test_meta_export_spanning_days_is_refused_with_the_breakdown_hint() -> None:
    with pytest.raises(ImportRejected) as info:
        read(FIXTURES / "meta-ads-range.csv")
    [problem] = info.value.problems
    assert problem.startswith("meta-ads-range.csv:2: row covers 2026-11-01 to 2026-11-07")
    assert "Breakdown > By time > Day" in problem


def test_meta_range_of_a_single_day_is_that_day() -> None:
    data = (
        b"Reporting starts,Reporting ends,Campaign name,Amount spent (EUR)\n"
        b"2026-11-01,2026-11-03,,99.00\n"
        b"2026-11-02,2026-11-02,Globex - Prospecting,12.00\n"
    )
    reader, rows = read_bytes(data)
    assert reader.network == "meta"
    assert brief(rows) == [(3, "Globex - Prospecting", None, date(2026, 11, 2), 12_000_000)]
    assert rows[0][7] == "EUR"
    assert reader.skipped_totals == 1


def test_meta_blank_currency_cell_takes_the_header_currency() -> None:
    data = b"Day,Campaign name,Amount spent (EUR),Currency\n2026-11-24,Spring,10.00,\n"
    reader, rows = read_bytes(data, "m.csv")
    assert reader.network == "meta"
    assert brief(rows) == [(2, "Spring", None, date(2026, 11, 24), 10_000_000)]
    assert [r[7] for r in rows] == ["EUR"]
    assert reader.problems == []


def test_microsoft_api_report() -> None:
    reader, rows = read(FIXTURES / "microsoft-ads-api.csv")
    assert reader.network == "microsoft"
    assert brief(rows) == [
        (12, "Initech - Brand", "123456789", date(2026, 11, 1), 412_300_000),
        (13, "Initech - Brand", "123456789", date(2026, 11, 2), 1_388_900_000),
        (14, "Initech - Generic", "123456790", date(2026, 11, 2), 0),
    ]
    assert [r[7] for r in rows] == ["USD"] * 3
    assert reader.skipped_totals == 1  # the copyright footer


def test_microsoft_ui_download() -> None:
    reader, rows = read(FIXTURES / "microsoft-ads-ui.tsv")
    assert reader.network == "microsoft"
    assert reader.delimiter == "\t"
    assert brief(rows) == [
        (7, "Initech - Brand", "123456789", date(2026, 11, 2), 1_388_900_000),
        (8, "Initech - Generic", "123456790", date(2026, 11, 2), 0),
    ]
    assert reader.skipped_totals == 1


def test_microsoft_month_first_dates() -> None:
    data = (
        b'"Report Name: x"\n\n'
        b'"TimePeriod","CampaignName","CampaignId","CurrencyCode","Spend"\n'
        b'"11/2/2026","Initech - Brand","123456789","usd","5"\n'
        b'"2/30/2026","Initech - Brand","123456789","USD","5"\n'
        b'"Total","","","USD","5"\n'
    )
    reader, rows = read_bytes(data, "ms.csv")
    assert brief(rows) == [(4, "Initech - Brand", "123456789", date(2026, 11, 2), 5_000_000)]
    assert rows[0][7] == "USD"
    assert reader.problems == ["ms.csv:5: date '2/30/2026' is not a valid date"]
    assert reader.skipped_totals == 1


def test_microsoft_per_campaign_total_without_a_day_is_skipped() -> None:
    data = b"Gregorian date,Campaign name,Spend\n11/24/2026,Spring,10.00\n,Spring,10.00\n"
    reader, rows = read_bytes(data, "ms.csv")
    assert reader.network == "microsoft"
    assert brief(rows) == [(2, "Spring", None, date(2026, 11, 24), 10_000_000)]
    assert (reader.problems, reader.skipped_totals, reader.rows_read) == ([], 1, 1)


# -- the generic format ----------------------------------------------------------------------


def test_generic_spend() -> None:
    reader, rows = read(FIXTURES / "generic-spend.csv")
    assert reader.network == "generic"
    assert rows == [
        (2, "Acme - Search", None, "Acme", None, datetime(2026, 11, 24, 9, 15, tzinfo=EST),
         12_500_000, "USD", "txn-0001", "morning burst"),
        (3, "Acme - Search", None, "Acme", None, datetime(2026, 11, 24, 10, 40, tzinfo=EST),
         7_250_000, "USD", "txn-0002", None),
        (4, "Acme - Display", None, "Acme", date(2026, 11, 24), None,
         30_000_000, "USD", "txn-0003", "daily settlement"),
        (5, "Acme - Display", None, "Acme", None, datetime(2026, 11, 24, 11, 0, tzinfo=EST),
         -5_000_000, "USD", "txn-0004", "refund for invalid clicks"),
    ]
    assert sum(r[6] for r in rows) == 44_750_000
    assert reader.skipped_totals == 0


def test_bad_generic_rows_give_one_problem_each_and_reading_goes_on() -> None:
    reader, rows = read(FIXTURES / "bad-generic-spend.csv")
    # lines 8 (unknown campaign) and 9 (currency) are the service's to judge
    assert [(r[0], r[1], r[6], r[7], r[8]) for r in rows] == [
        (2, "Acme - Search", 12_500_000, "USD", "bad-1"),
        (8, "No Such Campaign", 1_000_000, "USD", "bad-7"),
        (9, "Acme - Search", 1_000_000, "EUR", "bad-8"),
    ]
    assert [p.split(": ", 1)[0] for p in reader.problems] == [
        f"bad-generic-spend.csv:{line}" for line in (3, 4, 5, 6, 7)
    ]
    assert reader.problems[0] == "bad-generic-spend.csv:3: date '2026-11-31' is not a valid date"
    assert "'abc' is not a decimal number" in reader.problems[1]
    assert "'NaN' is not a decimal number" in reader.problems[2]
    assert "'1e6' is not a decimal number" in reader.problems[3]
    assert "more than 6 decimals" in reader.problems[4]
    assert reader.problem_count == 5
    assert reader.rows_read == 8


def test_generic_synonyms_case_and_timestamps() -> None:
    data = (
        b"Occurred At,Campaign_Name,COST,Currency,Key,Memo,Campaign-ID,Brand\n"
        b"2026-11-24 09:15,Acme - Search,3,usd,k1,,21456789012,Acme\n"
        b"2026-11-24T14:15:00Z, Acme - Search ,\" 1,234.5 \",,k2, hi ,,\n"
        b"2026-11-24T09:15:00.250+01:00,Acme - Search,--,USD,,,,\n"
    )
    reader, rows = read_bytes(data)
    assert reader.network == "generic"
    assert rows == [
        (2, "Acme - Search", "21456789012", "Acme", None, datetime(2026, 11, 24, 9, 15),
         3_000_000, "USD", "k1", None),
        (3, "Acme - Search", None, None, None, datetime(2026, 11, 24, 14, 15, tzinfo=UTC),
         1_234_500_000, None, "k2", "hi"),
        (4, "Acme - Search", None, None, None,
         datetime(2026, 11, 24, 9, 15, 0, 250_000, tzinfo=timezone(timedelta(hours=1))),
         0, "USD", None, None),
    ]


def test_generic_row_problems() -> None:
    data = (
        b"date,campaign,amount,currency\n"
        b"2026-11-24,A,1,US Dollars\n"
        b"2026-11-24,,1,USD\n"
        b"24/11/2026,A,1,USD\n"
        b"2026-11-24T25:00,A,1,USD\n"
        b"2026-11-24,A,1,234.50,USD\n"
        b"2026-11-24,A\n"
        b"2026-11-24,A,\"1,23\",USD\n"
        b"2026-11-24,A,99999999999999999999999,USD\n"
        b"oops,A,abc,USD\n"
        b"2026-11-24,A,-0.5,USD\n"
    )
    reader, rows = read_bytes(data, "g.csv")
    assert brief(rows) == [(11, "A", None, date(2026, 11, 24), -500_000)]
    problems = reader.problems
    assert problems[0] == "g.csv:2: currency 'US Dollars' is not a 3-letter ISO 4217 code"
    assert problems[1] == "g.csv:3: campaign is empty"
    assert problems[2].startswith("g.csv:4: date '24/11/2026' is not a date: use YYYY-MM-DD")
    assert problems[3].startswith("g.csv:5: timestamp '2026-11-24T25:00' is not a valid")
    assert problems[4].startswith("g.csv:6: row has 5 cells but the header has 4")
    assert problems[5].startswith("g.csv:7: row has 2 cells but the header has 4")
    assert problems[6].startswith("g.csv:8: amount '1,23' is not a decimal number")
    assert problems[7].startswith("g.csv:9: amount '99999999999999999999999' is too large")
    # every problem of a row is listed
    assert problems[8].startswith("g.csv:10: date 'oops'")
    assert problems[9].startswith("g.csv:10: amount 'abc'")
    assert len(problems) == reader.problem_count == 10
    assert reader.rows_read == 10


def test_generic_total_and_footer_rows_are_skipped_but_a_campaign_named_total_is_spend() -> None:
    data = (
        b"campaign,date,amount\n"
        b"Total Recall,2026-11-24,5\n"
        b"\n"
        b"Total,,5\n"
        b"\xc2\xa9 2026 Somebody. All rights reserved.\n"
    )
    reader, rows = read_bytes(data)
    assert brief(rows) == [(2, "Total Recall", None, date(2026, 11, 24), 5_000_000)]
    assert reader.skipped_totals == 2
    assert reader.rows_read == 1


def test_a_row_starting_like_a_copyright_footer_but_with_more_cells_is_spend() -> None:
    data = b"campaign,date,amount\nA,2026-11-24,1\n(c) Kids,2026-11-24,12.00,\n"
    reader, rows = read_bytes(data, "g.csv")
    assert brief(rows) == [
        (2, "A", None, date(2026, 11, 24), 1_000_000),
        (3, "(c) Kids", None, date(2026, 11, 24), 12_000_000),
    ]
    assert (reader.problems, reader.skipped_totals, reader.rows_read) == ([], 0, 2)


def test_multiline_quoted_cell_reports_the_line_where_the_row_starts() -> None:
    data = (
        b"date,campaign,amount,note\r\n"
        b'2026-11-24,A,1,"two\r\nlines"\r\n'
        b"2026-11-24,A,x,\r\n"
        b"2026-11-25,B,2,\r\n"
    )
    reader, rows = read_bytes(data, "m.csv")
    assert [(r[0], r[1], r[9]) for r in rows] == [(2, "A", "two\r\nlines"), (5, "B", None)]
    assert [p.split(": ")[0] for p in reader.problems] == ["m.csv:4"]


def test_problems_are_capped_but_counted() -> None:
    data = b"date,campaign,amount\n" + b"2026-11-24,A,nope\n" * (MAX_PROBLEMS + 5)
    reader, rows = read_bytes(data)
    assert rows == []
    assert len(reader.problems) == MAX_PROBLEMS
    assert reader.problem_count == MAX_PROBLEMS + 5
    assert reader.problems[-1].startswith(f"spend.csv:{MAX_PROBLEMS + 1}: ")


def test_semicolon_delimited() -> None:
    data = b"date;campaign;amount;note\n2026-11-24;A;1,234.50;a, b\n"
    reader, rows = read_bytes(data)
    assert reader.delimiter == ";"
    assert [(r[1], r[6], r[9]) for r in rows] == [("A", 1_234_500_000, "a, b")]


def test_a_row_with_fewer_cells_than_the_header_is_refused() -> None:
    # A download cut short ends in a row like "2026-11-24,A,1": its amount may be the first
    # digit of 12.34, and the id it lost would let the full file count the row again.
    data = b"date,campaign,amount,id,note\n2026-11-24,A,1\n2026-11-24,A,2,k,n\n2026-11-24,A,12.3"
    reader, rows = read_bytes(data, "s.csv")
    assert [(r[0], r[6], r[8], r[9]) for r in rows] == [(3, 2_000_000, "k", "n")]
    assert reader.problems == [
        "s.csv:2: row has 3 cells but the header has 5 (comma-separated): "
        "is the file cut short? (a complete row has a cell for every column, empty or not)",
        "s.csv:4: row has 3 cells but the header has 5 (comma-separated): "
        "is the file cut short? (a complete row has a cell for every column, empty or not)",
    ]
    # A short total row is still a total, not a problem.
    reader, rows = read_bytes(b"date,campaign,amount,id\n2026-11-24,A,2,k\nTotal,,5\n", "t.csv")
    assert [(r[0], r[6], r[8]) for r in rows] == [(2, 2_000_000, "k")]
    assert (reader.problems, reader.skipped_totals) == ([], 1)


CUT_SHORT_ROWS = (
    "is the file cut short? Download it again (if rows were removed on purpose, remove this line too)"
)
CUT_SHORT_SUMMARY = (
    "is the file cut short? Download it again (if rows were removed on purpose, remove the"
    " summary row too)"
)


def test_a_microsoft_report_holding_fewer_rows_than_it_states_is_refused() -> None:
    # "Rows: 3" in the title lines, and a download that stopped after the first row.
    api = (FIXTURES / "microsoft-ads-api.csv").read_bytes()
    reader, rows = read_bytes(api[: api.index(b'"2026-11-02"')], "api.csv")
    assert brief(rows) == [(12, "Initech - Brand", "123456789", date(2026, 11, 1), 412_300_000)]
    assert reader.problems == [
        f"api.csv:9: the report says it has 3 rows but the file holds 1: {CUT_SHORT_ROWS}"
    ]
    ui = (FIXTURES / "microsoft-ads-ui.tsv").read_bytes()
    reader, _ = read_bytes(ui[: ui.index(b"2026-11-02\tInitech\tInitech - Generic")], "ui.tsv")
    assert reader.problems == [
        f"ui.tsv:4: the report says it has 2 rows but the file holds 1: {CUT_SHORT_ROWS}"
    ]
    # Without the line that states the count there is nothing to hold the rows to.
    reader, rows = read_bytes(api[: api.index(b'"2026-11-02"')].replace(b'"Rows: 3"\n', b""))
    assert (len(rows), reader.problems) == (1, [])
    # The whole reports hold what they state.
    for name in ("microsoft-ads-api.csv", "microsoft-ads-ui.tsv"):
        assert read(FIXTURES / name)[0].problems == []


def test_a_meta_export_whose_rows_add_up_to_less_than_its_summary_is_refused() -> None:
    meta = (FIXTURES / "meta-ads-daily.csv").read_bytes()
    reader, rows = read_bytes(meta[: meta.index(b"2026-11-02,2026-11-02")], "meta.csv")
    assert [r[6] for r in rows] == [1_234_560_000]
    assert reader.problems == [
        "meta.csv:2: the summary row says 2,236.56 was spent but the rows add up to 1,234.56: "
        + CUT_SHORT_SUMMARY
    ]
    assert read(FIXTURES / "meta-ads-daily.csv")[0].problems == []
    # Cut inside the last row's amount, the last cell: the row is whole but for its figure.
    head = b"Campaign name,Day,Amount spent (USD)\n,,30.00\nA,2026-11-01,10.00\nA,2026-11-02,"
    reader, rows = read_bytes(head + b"2", "cut.csv")
    assert reader.problems == [
        "cut.csv:2: the summary row says 30.00 was spent but the rows add up to 12.00: "
        + CUT_SHORT_SUMMARY
    ]
    # Every row is rounded to the cent on its own: half a cent per row is rounding.
    assert read_bytes(head + b"20.00\n")[0].problems == []
    assert read_bytes(head.replace(b"30.00", b"30.01") + b"20.00\n")[0].problems == []
    reader, _ = read_bytes(head.replace(b"30.00", b"30.02") + b"20.00\n", "m.csv")
    assert reader.problems == [
        "m.csv:2: the summary row says 30.02 was spent but the rows add up to 30.00: "
        + CUT_SHORT_SUMMARY
    ]
    # A currency shown in whole units (yen) rounds each row, and the summary, to half a yen.
    yen = b"Campaign name,Day,Amount spent (JPY)\n,,201\nSpring,2026-11-01,100\nSummer,2026-11-01,100\n"
    assert read_bytes(yen)[0].problems == []
    reader, _ = read_bytes(yen.replace(b",,201", b",,202"), "yen.csv")
    assert reader.problems == [
        "yen.csv:2: the summary row says 202.00 was spent but the rows add up to 200.00: "
        + CUT_SHORT_SUMMARY
    ]
    # A file with bad rows is refused for them: the sums then say nothing more.
    reader, _ = read_bytes(head + b"2x\n", "bad.csv")
    assert reader.problems == [
        "bad.csv:4: amount '2x' is not a decimal number: use digits with an optional '.' and at most"
        " 6 decimals, such as 12.50 (no exponents, NaN or infinity)"
    ]
    # Rows adding up to more than the summary lost nothing; two summary rows say nothing sure.
    assert read_bytes(head.replace(b"30.00", b"29.00") + b"20.00\n")[0].problems == []
    two = head.replace(b",,30.00\n", b",,30.00\n,,1.00\n") + b"2\n"
    assert read_bytes(two)[0].problems == []


@pytest.mark.parametrize(
    ("header", "label", "hint"),
    [
        (b"Campaign status,Campaign,Campaign ID,Cost,Clicks", "Google Ads", "Segment > Time > Day"),
        (b"Account name\tCampaign name\tSpend", "Microsoft Advertising", "Gregorian date"),
        (b"brand,campaign,amount", "generic", "add a date column"),
    ],
)
def test_export_not_split_by_day_gets_a_hint(header: bytes, label: str, hint: str) -> None:
    [problem] = rejected(b"Report\n" + header + b"\n", "r.csv")
    assert problem.startswith(f"r.csv:2: this {label} export has no day column: ")
    assert hint in problem


def test_header_naming_a_role_twice_is_refused() -> None:
    assert rejected(b"date,day,campaign,amount\n2026-11-24,2026-11-24,A,1\n", "d.csv") == [
        "d.csv:1: columns 'date' and 'day' both give the day: keep one of them"
    ]


# -- encodings -------------------------------------------------------------------------------


def test_utf16_be_with_bom() -> None:
    text = "Day\tCampaign\tCost\r\n2026-11-24\tCafé\t1.50\r\n"
    reader, rows = read_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    assert reader.network == "google-ads"
    assert brief(rows) == [(2, "Café", None, date(2026, 11, 24), 1_500_000)]


def test_utf8_bom_and_explicit_encoding() -> None:
    data = "\ufeffdate,campaign,amount\n2026-11-24,Café,1\n".encode()
    _, rows = read_bytes(data)
    assert rows[0][1] == "Café"
    for encoding in ("utf-8", "UTF8", "utf-8-sig"):
        _, rows = read_bytes(data, encoding=encoding)
        assert rows[0][1] == "Café"
    # Google's Excel download, named explicitly
    _, rows = read(FIXTURES / "google-ads-excel.csv", encoding="utf-16")
    assert len(rows) == 2


def test_latin1_bytes_need_the_encoding_option() -> None:
    data = b"date,campaign,amount\n2026-11-24,Acme,1\n2026-11-24,Caf\xe9,1\n"
    [problem] = rejected(data, "l.csv")
    assert problem.startswith("l.csv:3: cannot decode as utf-8: try --encoding latin-1")
    _, rows = read_bytes(data, encoding="latin-1")
    assert [r[1] for r in rows] == ["Acme", "Café"]


def test_undecodable_bytes_far_into_a_big_file_name_their_line() -> None:
    good = b"2026-11-24,Acme,1.00\n"
    data = b"date,campaign,amount\n" + good * 100_000 + b"2026-11-24,Caf\xe9,1\n" + good
    with pytest.raises(ImportRejected) as info:
        read_bytes(data, "big.csv")
    assert info.value.problems[-1].startswith("big.csv:100002: cannot decode as utf-8")


def test_unknown_encoding() -> None:
    [problem] = rejected(b"date,campaign,amount\n", "e.csv", encoding="klingon")
    assert problem.startswith("e.csv: unknown encoding 'klingon'")
    [problem] = rejected(b"date,campaign,amount\n", "e.csv", encoding="rot13")
    assert "--encoding" in problem


# -- files that are not spend exports --------------------------------------------------------


def test_empty_file() -> None:
    assert rejected(b"", "e.csv") == ["e.csv: file is empty"]
    assert rejected(b"\xef\xbb\xbf", "e.csv") == ["e.csv: file is empty"]
    assert rejected(b"\r\n\n  \n", "e.csv") == ["e.csv: file is empty"]


def test_header_only() -> None:
    assert rejected(b"date,campaign,amount\r\n\r\n", "h.csv") == [
        "h.csv: no spend rows after the header"
    ]


def test_totals_only() -> None:
    # Totals of nothing: a day without spend, the report whole to its last line.
    reader, rows = read_bytes(b"Day,Campaign,Cost\nTotal: Account,,0.00\n", "t.csv")
    assert (rows, reader.rows_read, reader.skipped_totals, reader.problems) == ([], 0, 1, [])
    assert reader.empty_report is True
    # Totals of something, without the rows they add up.
    assert rejected(b"Day,Campaign,Cost\nTotal: Account,,0.01\n", "t.csv") == [
        "t.csv: its total rows show spend but it has no spend rows: download the report again "
        "with its campaign rows"
    ]
    # Totals that cannot be read as zero (a decimal comma, text, no amount at all) prove nothing.
    for total in (b'Total: Account,,"1.234,56"', b"Total: Account,,n/a", b"Total: Account"):
        assert rejected(b"Day,Campaign,Cost\n" + total + b"\n", "t.csv") == [
            "t.csv: no spend rows after the header (only 1 total or footer rows, which are not "
            "spend)"
        ]
    # A generic file has no totals to show it whole.
    assert rejected(b"date,campaign,amount\nTotal,,0.00\n", "g.csv") == [
        "g.csv: no spend rows after the header (only 1 total or footer rows, which are not spend)"
    ]


def test_a_report_that_states_no_rows_has_none() -> None:
    head = (FIXTURES / "microsoft-ads-api.csv").read_bytes().split(b'"TimePeriod"')[0]
    header = b'"TimePeriod","CampaignName","CampaignId","CurrencyCode","Spend"\r\n'
    reader, rows = read_bytes(head.replace(b"Rows: 3", b"Rows: 0") + header, "ms.csv")
    assert (rows, reader.problems, reader.empty_report) == ([], [], True)
    # Rows stated but none there: cut short.
    reader, rows = read_bytes(head + header, "ms.csv")
    [problem] = reader.problems
    assert (rows, reader.empty_report) == ([], False)
    assert problem == (
        "ms.csv:9: the report says it has 3 rows but the file holds 0: is the file cut short? "
        "Download it again (if rows were removed on purpose, remove this line too)"
    )


def test_a_meta_day_outside_its_rows_reporting_range() -> None:
    head = b"Reporting starts,Reporting ends,Campaign name,Day,Amount spent (USD)\n"
    good = (
        b"2026-11-01,2026-11-02,Globex,2026-11-02,6.00\n,,Globex,2026-11-03,1.00\n"
        b"2026-11-01T00:00:00Z,2026-11-01,Globex,2026-11-01,2.00\n"  # a range it cannot read
    )
    reader, rows = read_bytes(head + good, "m.csv")
    assert brief(rows) == [
        (2, "Globex", None, date(2026, 11, 2), 6_000_000),
        (3, "Globex", None, date(2026, 11, 3), 1_000_000),
        (4, "Globex", None, date(2026, 11, 1), 2_000_000),
    ]
    bad = b"2026-11-01,2026-11-01,Globex,2026-11-02,5.00\n2026-11-03,2026-11-04,Globex,2026-11-02,5\n"
    reader, rows = read_bytes(head + good + bad, "m.csv")
    assert len(rows) == 3
    assert reader.problems == [
        "m.csv:5: day 2026-11-02 lies outside the row's reporting range (2026-11-01): the row "
        "contradicts itself",
        "m.csv:6: day 2026-11-02 lies outside the row's reporting range (2026-11-03 to "
        "2026-11-04): the row contradicts itself",
    ]


def test_unrecognised_header() -> None:
    [problem] = rejected((FIXTURES / "brands.csv").read_bytes(), "brands.csv")
    assert problem.startswith(
        "brands.csv: no spend header found: expected columns like date, campaign, amount"
        " (generic) or a Google Ads, Meta or Microsoft Advertising export"
    )
    assert "Amount spent (CUR)" in problem and "Gregorian date" in problem


def test_explicit_format_must_fit_the_header() -> None:
    data = (FIXTURES / "google-ads-campaign-report.csv").read_bytes()
    [problem] = rejected(data, "g.csv", fmt="meta")
    assert problem.startswith("g.csv: no Meta Ads header found: expected columns Campaign name")
    assert "looks like a Google Ads export: use --format google-ads" in problem
    # a generic file read as generic on purpose still works, and auto picks google-ads
    reader, rows = read_bytes(data, fmt="google-ads")
    assert reader.network == "google-ads" and len(rows) == 5
    reader, rows = read_bytes(b"day,campaign,cost\n2026-11-24,A,1\n")
    assert reader.network == "generic"
    with pytest.raises(InvalidValue):
        SpendReader(io.BytesIO(data), "g.csv", fmt="tiktok")


def test_a_google_ads_header_without_cost_is_no_google_ads_header() -> None:
    data = b"Day,Campaign,Clicks\n2026-11-24,Spring,17\n"
    assert rejected(data, "g.csv", fmt="google-ads") == [
        "g.csv: no Google Ads header found: expected columns Day, Campaign, Cost "
        "(optional: Campaign ID, Currency code)"
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        bytes(range(256)) * 4,
        b"date,campaign,amount\n2026-11-24,A\x00,1\n",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",
    ],
)
def test_binary_garbage_is_refused_cleanly(data: bytes) -> None:
    [problem] = rejected(data, "bin.csv")
    assert problem.startswith("bin.csv")
    assert any(
        what in problem
        for what in ("NUL bytes", "cannot decode", "not CSV", "no spend header found")
    )


def test_nul_bytes_name_their_line() -> None:
    data = b"date,campaign,amount\n" + b"2026-11-24,A,1\n" * 3 + b"\x00\x00"
    assert rejected(data, "n.csv")[-1].startswith("n.csv:5: contains NUL bytes")


def test_a_10mb_line_without_newline() -> None:
    [problem] = rejected(b"x" * 10_000_000, "long.csv")
    assert problem.startswith("long.csv:1: line is longer than")


def test_a_10mb_cell_after_the_header() -> None:
    problems = rejected(b"date,campaign,amount\n2026-11-24,A,1\n" + b"y" * 10_000_000, "long.csv")
    assert problems[-1].startswith("long.csv:3: cannot read this line as CSV: a cell is longer")


def test_a_10mb_line_of_cells_after_the_header() -> None:
    reader, rows = read_bytes(b"date,campaign,amount\n2026-11-24,A,1\n" + b"1," * 5_000_000)
    assert len(rows) == 1
    [problem] = reader.problems
    assert problem.startswith("spend.csv:3: row has 5000001 cells but the header has 3")


def test_unclosed_quote_swallowing_the_rest_is_a_clean_error() -> None:
    data = b"date,campaign,amount\n2026-11-24,\"A,1\n" + b"2026-11-24,A,1\n" * 20_000
    with pytest.raises(ImportRejected) as info:
        read_bytes(data, "q.csv")
    assert info.value.problems[-1].startswith("q.csv:2: cannot read this line as CSV")


# -- streams ---------------------------------------------------------------------------------


def test_non_seekable_stream_is_read_as_stdin() -> None:
    data = (FIXTURES / "microsoft-ads-api.csv").read_bytes()
    reader = SpendReader(cast(BinaryIO, Pipe(data)), "-")
    assert reader.name == "<stdin>"
    rows = list(reader)
    assert len(rows) == 3 and reader.skipped_totals == 1
    assert reader.bytes_read == len(data)
    [problem] = rejected(b"", "-")
    assert problem == "<stdin>: file is empty"


def test_big_stream_through_a_pipe() -> None:
    lines = [
        f"2026-11-{d % 30 + 1:02d},Campaign {d % 97},{d}.{d % 100:02d},USD,id-{d}\n"
        for d in range(50_000)
    ]
    data = ("date,campaign,amount,currency,id\n" + "".join(lines)).encode()
    reader = SpendReader(cast(BinaryIO, Pipe(data, step=65_537)), "pipe.csv")
    rows = list(reader)
    assert len(rows) == 50_000 == reader.rows_read
    assert rows[-1] == (50_001, "Campaign 44", None, None, date(2026, 11, 20), None,
                        49_999_990_000, "USD", "id-49999", None)
    assert sum(r[6] for r in rows) == sum(d * 1_000_000 + (d % 100) * 10_000 for d in range(50_000))


def test_rows_stream_without_reading_the_whole_file() -> None:
    data = b"date,campaign,amount\n" + b"2026-11-24,Acme - Search,12.34\n" * 400_000
    reader = SpendReader(cast(BinaryIO, Pipe(data, step=1 << 16)), "-")
    rows = iter(reader)
    assert next(rows)[0] == 2
    assert reader.bytes_read < len(data) // 2
    assert sum(1 for _ in rows) == 399_999
    assert reader.bytes_read == len(data)


# -- properties ------------------------------------------------------------------------------


def expected_micros(text: str) -> int | None:
    """An independent reading of the number rules (oracle for the fast path)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        t = t[1:-1].strip()
    if t in ("", "--"):
        return 0
    if "," in t:
        whole, _, fraction = t.partition(".")
        groups = whole.lstrip("+-").split(",")
        if "," in fraction or len(groups) < 2:
            return None
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return None
        if groups[0].startswith("0"):  # "0,123" is a decimal comma, not a thousand
            return None
        t = t.replace(",", "")
    if len(t) > 40:
        return None
    try:
        return parse_micros(t)
    except InvalidValue:
        return None


amount_texts = st.one_of(
    st.from_regex(r"\A-?[0-9]{1,14}(\.[0-9]{0,8})?\Z"),
    st.from_regex(r"\A ?-?[0-9]{1,3}(,[0-9]{3}){0,3}(\.[0-9]{1,7})? ?\Z"),
    st.sampled_from(["", "--", " -- ", "1e3", "NaN", "inf", ".5", "5.", "+3", "١٢", "1_000"]),
    st.text(alphabet="0123456789.,-+ e", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(amount_texts, min_size=1, max_size=20))
def test_amounts_match_the_money_rules(amounts: list[str]) -> None:
    quoted = "".join(f'2026-11-24,A,"{a}"\n' for a in amounts)
    reader, rows = read_bytes(("date,campaign,amount\n" + quoted).encode())
    got = {r[0]: r[6] for r in rows}
    bad = {int(p.split(":")[1]) for p in reader.problems}
    for line, text in enumerate(amounts, start=2):
        want = expected_micros(text)
        if want is None:
            assert line in bad, text
        else:
            assert got.get(line) == want, text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_raise_nothing_but_budget_errors(data: bytes) -> None:
    try:
        reader, rows = read_bytes(data)
    except BudgetError:
        return
    assert rows or reader.problems


csv_noise = st.text(alphabet='ab1,-.:;"\t \r\n\x00é©T0924Z+', max_size=300)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([b"date,campaign,amount,id,note\n", b"Day\tCampaign\tCost\n", b""]), csv_noise
)
def test_csv_like_noise_raises_nothing_but_budget_errors(header: bytes, body: str) -> None:
    try:
        reader, rows = read_bytes(header + body.encode())
    except BudgetError:
        return
    assert rows or reader.problems or reader.empty_report
    for row in rows:
        assert (row[4] is None) != (row[5] is None)
        assert isinstance(row[6], int)


GROUPING = (
    "is not a decimal number: use '.' for decimals and group thousands by three "
    "(1234.56 or 1,234.56)"
)


@pytest.mark.parametrize("sep", [",", ";"])
def test_a_first_group_with_a_leading_zero_is_a_decimal_comma_not_thousands(sep: str) -> None:
    rows = ["1,234.56", "0,123", "000,450", "01,000", "12,345,678", "-1,000.00"]
    body = "".join(f'2026-11-24{sep}A{sep}"{a}"\n' for a in rows)
    data = f"date{sep}campaign{sep}amount\n{body}".encode()
    reader, rows = read_bytes(data, "g.csv")
    assert reader.problems == [f"g.csv:{line}: amount '{a}' {GROUPING}"
                               for line, a in ((3, "0,123"), (4, "000,450"), (5, "01,000"))]
    assert [(r[0], r[6]) for r in rows] == [
        (2, 1_234_560_000), (6, 12_345_678_000_000), (7, -1_000_000_000)]


def test_a_semicolon_file_refuses_amounts_a_decimal_comma_would_read_otherwise() -> None:
    # Spreadsheets save semicolon-separated files where ',' marks decimals and '.' groups
    # thousands: there "12,500" is 12.5 and "1.500" is 1500, a thousand times what a point
    # reading gives. Amounts that read the same either way, or only one way, are taken.
    amounts = ["12,500", "1.500", "-2,340", "12.345", "1,000", "+7.000",
               "12.50", "1,234.50", "1,234,567", "0.500", "500", "12.3450", "1234.567", "-0.5"]
    body = "".join(f"2026-11-24;A;{a}\n" for a in amounts)
    reader, rows = read_bytes(f"date;campaign;amount\n{body}".encode(), "eu.csv")
    how = "this file is separated by semicolons, as spreadsheets save it where"
    assert reader.problems == [
        f"eu.csv:2: amount '12,500' could mean 12500 or 12.5: {how} ',' marks decimals; write 12500 or 12.5",
        f"eu.csv:3: amount '1.500' could mean 1500 or 1.5: {how} '.' groups thousands; write 1500 or 1.5",
        f"eu.csv:4: amount '-2,340' could mean -2340 or -2.34: {how} ',' marks decimals; write -2340 or -2.34",
        f"eu.csv:5: amount '12.345' could mean 12345 or 12.3450: {how} '.' groups thousands; write 12345 or 12.3450",
        f"eu.csv:6: amount '1,000' could mean 1000 or 1: {how} ',' marks decimals; write 1000 or 1",
        f"eu.csv:7: amount '+7.000' could mean +7000 or +7: {how} '.' groups thousands; write +7000 or +7",
    ]
    assert [(r[0], r[6]) for r in rows] == [
        (8, 12_500_000), (9, 1_234_500_000), (10, 1_234_567_000_000), (11, 500_000),
        (12, 500_000_000), (13, 12_345_000), (14, 1_234_567_000), (15, -500_000)]
    # The same amounts in a comma-separated file (quoted) are points and grouped thousands.
    body = "".join(f'2026-11-24,A,"{a}"\n' for a in amounts[:6])
    reader, rows = read_bytes(f"date,campaign,amount\n{body}".encode())
    assert reader.problems == []
    assert [r[6] for r in rows] == [12_500_000_000, 1_500_000, -2_340_000_000, 12_345_000,
                                    1_000_000_000, 7_000_000]


def test_grouped_amounts_are_read_exactly() -> None:
    data = b'date,campaign,amount\n2026-11-24,A,"1,234.56"\n2026-11-24,A,"12,345,678"\n2026-11-24,A,"-1,000"\n'
    _reader, rows = read_bytes(data)
    assert [r[6] for r in rows] == [1_234_560_000, 12_345_678_000_000, -1_000_000_000]


def test_a_campaign_named_total_without_a_day_is_an_error_not_a_total() -> None:
    data = (
        b"date,campaign,amount\n"
        b"2026-11-24,Total Fitness,10\n"
        b",Total Fitness,99\n"
        b",Totals,109\n"
        b",Total: Account,109\n"
    )
    reader, rows = read_bytes(data, "g.csv")
    assert reader.problems == ["g.csv:3: date is empty"]
    reader, rows = read_bytes(data.replace(b",Total Fitness,99\n", b""))
    assert brief(rows) == [(2, "Total Fitness", None, date(2026, 11, 24), 10_000_000)]
    assert reader.skipped_totals == 2


def test_amount_problems_quote_the_cell_as_the_file_has_it() -> None:
    data = (b'Day,Campaign,Campaign ID,Cost,Currency code\n'
            b'2026-11-24,A,1,"1,000,000,000,000.00",USD\n'
            b'2026-11-24,A,1,"$1,234.56",USD\n'
            b'2026-11-24,A,1,"1,234.5678999",USD\n'
            b'2026-11-24,A,1,\xe2\x82\xac12.00,USD\n')
    assert read_bytes(data, "g.csv")[0].problems == [
        "g.csv:2: amount '1,000,000,000,000.00' is too large: 999,999,999,999.999999 at most",
        "g.csv:3: amount '$1,234.56' has a currency sign: give the number alone; the currency goes "
        "in its own column",
        "g.csv:4: amount '1,234.5678999' has more than 6 decimals: the smallest amount is 0.000001",
        "g.csv:5: amount '\u20ac12.00' has a currency sign: give the number alone; the currency goes "
        "in its own column",
    ]


def test_an_amount_quoted_on_one_end_only_is_refused() -> None:
    data = b"date,campaign,amount\n2026-11-24,A,'12.50\n2026-11-24,A,'7'\n"
    reader, rows = read_bytes(data, "g.csv")
    assert brief(rows) == [(3, "A", None, date(2026, 11, 24), 7_000_000)]
    assert reader.problems == [
        "g.csv:2: amount \"'12.50\" is not a decimal number: use digits with an optional '.' and "
        "at most 6 decimals, such as 12.50 (no exponents, NaN or infinity)"
    ]


def test_a_lone_dash_is_not_a_zero_amount() -> None:
    data = b"date,campaign,amount\n2026-11-24,A,-\n2026-11-24,A,--\n"
    reader, rows = read_bytes(data, "g.csv")
    assert brief(rows) == [(3, "A", None, date(2026, 11, 24), 0)]
    assert reader.problems == [
        "g.csv:2: amount '-' is not a decimal number: use digits with an optional '.' and at "
        "most 6 decimals, such as 12.50 (no exponents, NaN or infinity)"
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_a_utf16_file_read_as_another_encoding_says_to_leave_encoding_out(encoding: str) -> None:
    data = "Day,Campaign,Cost\n2026-11-24,A,1.00\n".encode("utf-16")
    assert rejected(data, "x.csv", encoding=encoding) == [
        "x.csv:1: contains NUL bytes: the file starts with a UTF-16 byte-order mark: give "
        "--encoding utf-16, or leave --encoding out"
    ]
    assert [r[6] for r in read_bytes(data, encoding="utf-16")[1]] == [1_000_000]


SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


@pytest.mark.skipif(not SHARED_FIXTURES.is_dir(), reason="no ../shared/fixtures next to this clone")
def test_the_fixtures_are_the_shared_samples_byte_for_byte() -> None:
    # tests/fixtures carries the samples so that a clone runs its tests on its own.
    ours = {p.name: p.read_bytes() for p in FIXTURES.iterdir() if p.name != ".gitattributes"}
    assert ours == {p.name: p.read_bytes() for p in SHARED_FIXTURES.iterdir()}
