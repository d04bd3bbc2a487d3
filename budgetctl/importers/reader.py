"""Read a spend export, of any format, into plain rows.

One reader serves every format (:mod:`budgetctl.importers.formats` says what
each looks like). Opening a file decides everything that is about the file as a
whole and refuses a bad file at once:

1. the encoding, from the byte-order mark (UTF-8, UTF-16 LE/BE) or ``encoding=``;
2. the header: lines before it (report titles, date ranges, ``Key: value``
   lines, blank lines) are preamble; the first line that fits a profile, with
   a comma, tab or semicolon delimiter, is the header and picks the format.

Iterating then streams rows as plain tuples (:data:`SpendRow`). A bad row is
recorded in :attr:`SpendReader.problems` as ``FILE:LINE: message`` and not
yielded; reading goes on, so the service can list every problem at once.
Totals, summaries and footers are skipped and counted.

Speed matters (a million rows should take about a second), so the row loop
resolves column indexes once, caches parsed dates and currencies (they
repeat), parses plain amounts with integer arithmetic, and sends any row that
is not plainly good to one careful path that decides what is wrong with it.
Bytes pass through a small layer that checks the encoding and NUL bytes chunk
by chunk, so an error names its line even though decoding runs ahead.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from typing import BinaryIO, Final

from budgetctl.domain.errors import ImportRejected, InvalidValue
from budgetctl.domain.money import format_money, parse_micros
from budgetctl.domain.text import visible
from budgetctl.importers.formats import (
    PROFILES,
    HeaderConflict,
    Layout,
    Profile,
    lacks_only_a_day,
    match_header,
    matches_but_for_case,
    one_column_short,
    reads_every_cell,
)

SpendRow = tuple[
    int,
    str,
    str | None,
    str | None,
    date | None,
    datetime | None,
    int,
    str | None,
    str | None,
    str | None,
]
"""``(line, campaign, external_id, brand, day, at, micros, currency, row_id, note)``.

``line`` is the 1-based physical line where the row starts. Exactly one of
``day`` (a calendar day: network rows, generic plain dates) and ``at`` (a
generic timestamp: aware when the cell has an offset or ``Z``, naive meaning the
brand's local time) is set. ``micros`` is the amount in integer micros.
"""

FORMATS: Final = ("auto", *PROFILES)

MAX_PROBLEMS: Final = 1000
"""Problems kept in :attr:`SpendReader.problems`; :attr:`SpendReader.problem_count` counts all."""

_PREAMBLE_LINES: Final = 200
_LINE_LIMIT: Final = 1 << 16
_CHUNK: Final = 1 << 20
_CACHE_LIMIT: Final = 1 << 15
_DELIMITERS: Final = (",", "\t", ";")
_DELIMITER_NAMES: Final = {",": "comma", "\t": "tab", ";": "semicolon"}
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SPREADSHEETS: Final = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel .xls workbook"),
)
_MISSING: Final = object()

# micros per unit of an amount's last digit, by the number of decimals
_SCALE: Final = (1_000_000, 100_000, 10_000, 1_000, 100, 10, 1)
# Thousands grouped by three after a first group without leading zeros: "1,234.56", not
# "0,123" (a decimal comma, which must not be read as 123).
_GROUPED_AMOUNT = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
# In a file separated by semicolons (what spreadsheets write where ',' is the decimal mark),
# amounts that the other convention reads differently: "12,500" (12.5?) and "1.500" (1500?).
_COMMA_ONLY = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")
_DOT_THREE = re.compile(r"[+-]?[1-9][0-9]{0,2}\.[0-9]{3}")
_EITHER_WAY = re.compile(r"[+-]?[1-9][0-9]{0,2}[,.][0-9]{3}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_TIME_SEPARATORS: Final = ("T", " ")
_CURRENCY = re.compile(r"[A-Z]{3}")


def show_name(name: str) -> str:
    """How errors and batches name a file: standard input is ``<stdin>``, and a control
    character in a name (a line break) is shown escaped, so that every problem stays one
    ``FILE:LINE: message`` line and a batch's list of files one name per line."""
    return "<stdin>" if name == "-" else visible(name)


class _Feed(io.RawIOBase):
    """The source's bytes as UTF-8, checked chunk by chunk.

    Decoding errors and NUL bytes surface here, where the absolute line is
    known, as :class:`ImportRejected`. UTF-8 passes through untouched (ASCII
    chunks are not even decoded); other encodings are transcoded.
    """

    def __init__(
        self, source: BinaryIO, head: bytes, consumed: int, encoding: str, name: str
    ) -> None:
        super().__init__()
        self._source = source
        self._head = head
        self._first = head[:4096]  # to tell a byte order by
        self._encoding = encoding
        self._name = name
        self._passthrough = codecs.lookup(encoding).name == "utf-8"
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._pending = memoryview(b"")
        self._undecoded = False  # the decoder holds part of a character
        self._newlines = 0
        self._eof = False
        self.consumed = consumed
        # A UTF-16 byte-order mark read as another encoding (--encoding utf-8 on Excel's .csv).
        self._utf16_mark = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._eof:
            if self._head:
                chunk, self._head = self._head, b""
            else:
                try:
                    chunk = self._source.read(_CHUNK)
                except OSError as err:
                    raise ImportRejected(
                        [f"{self._name}: cannot read: {err.strerror or err}"]
                    ) from None
                self.consumed += len(chunk)
            self._eof = not chunk
            self._pending = memoryview(self._convert(chunk, self._eof))
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _convert(self, chunk: bytes, final: bool) -> bytes:
        if self._passthrough:
            self._refuse_nul(chunk)
            if self._undecoded or final or not chunk.isascii():
                try:
                    self._decoder.decode(chunk, final)
                except UnicodeError as err:
                    raise ImportRejected([self._undecodable(err)]) from None
                self._undecoded = bool(self._decoder.getstate()[0])
            out = chunk
        else:
            try:
                out = self._decoder.decode(chunk, final).encode("utf-8")
            except UnicodeError as err:
                raise ImportRejected([self._undecodable(err)]) from None
            self._refuse_nul(out)
        self._newlines += out.count(b"\n")
        return out

    def _refuse_nul(self, data: bytes) -> None:
        nul = data.find(b"\x00")
        if nul >= 0:
            line = self._newlines + data.count(b"\n", 0, nul) + 1
            if self._utf16_mark:
                raise ImportRejected(
                    [
                        f"{self._name}:{line}: contains NUL bytes: the file starts with a UTF-16 "
                        "byte-order mark: give --encoding utf-16, or leave --encoding out"
                    ]
                )
            raise ImportRejected(
                [
                    f"{self._name}:{line}: contains NUL bytes: this is not a text CSV export"
                    " (a binary file, or UTF-16 without a byte-order mark: then try"
                    f" --encoding {_byte_order(data, 'utf-16')})"
                ]
            )

    def _undecodable(self, err: UnicodeError) -> str:
        line = self._newlines + 1
        data = getattr(err, "object", None)
        start = getattr(err, "start", 0)
        label = codecs.lookup(self._encoding).name
        if label in ("utf-16", "utf-32") and not self._first.startswith(_MARKS):
            # Python reads these names only after a byte-order mark; the order must be said.
            return (
                f"{self._name}:1: cannot decode as {label}: the file has no byte-order mark,"
                f" so give its byte order: try --encoding {_byte_order(self._first, label)}"
            )
        if isinstance(data, bytes | bytearray):
            line += data[:start].decode(self._encoding, "replace").count("\n")
        if getattr(err, "reason", "") in ("truncated data", "unexpected end of data"):
            return (
                f"{self._name}:{line}: cannot decode as {label}: the file ends inside a"
                " character (a download cut short? download it again)"
            )
        return (
            f"{self._name}:{line}: cannot decode as {label}: try --encoding latin-1"
            " (or the file's real encoding)"
        )


_MARKS: Final = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


def _byte_order(data: bytes | bytearray, family: str) -> str:
    """``utf-16-le`` or ``utf-16-be`` when ``data`` (text without a byte-order mark) shows
    its order the way mostly-ASCII text does, with its zero bytes on one side; both
    otherwise."""
    sample = bytes(data[:4096])
    width = 4 if family == "utf-32" else 2
    pairs = len(sample) // width
    if pairs >= 2:
        low = sum(1 for i in range(0, pairs * width, width) if sample[i] == 0)
        high = sum(1 for i in range(width - 1, pairs * width, width) if sample[i] == 0)
        if high * 2 >= pairs and low * 10 < pairs:
            return f"{family}-le"
        if low * 2 >= pairs and high * 10 < pairs:
            return f"{family}-be"
    return f"{family}-le or {family}-be"


class SpendReader:
    """Spend rows from one export file; see the module docstring."""

    network: str
    skipped_totals: int
    problems: list[str]
    problem_count: int
    rows_read: int
    encoding: str
    delimiter: str
    header_line: int
    layout: Layout

    def __init__(
        self, source: BinaryIO, name: str, fmt: str = "auto", encoding: str | None = None
    ) -> None:
        self.name = show_name(name)
        if fmt not in FORMATS:
            raise InvalidValue(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        self.skipped_totals = 0
        self.problems = []
        self.problem_count = 0
        self.rows_read = 0
        # What the file says of itself, to tell a download cut short: the rows its title
        # lines announce (line, count), its summary row's amount (line, micros; None when it
        # has none, or several), and how many footer lines it has.
        self._stated_rows: tuple[int, int] | None = None
        # The days the report says it covers: (line, first, last).
        self._period: tuple[int, date, date] | None = None
        self._summary: tuple[int, int, int] | None = None
        self._summaries = 0
        self._footers = 0
        self._spent_totals = False  # a total row shows an amount other than zero
        self._odd_totals = False  # a total row's amount is missing or unreadable
        self._day_cache: dict[str, tuple[date | None, datetime | None]] = {}
        self._currency_cache: dict[str, str | None] = {}
        self._given_encoding = encoding
        self._header_cells: list[str] = []
        self._feed = self._open_feed(source, encoding)
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._feed, _CHUNK), encoding="utf-8", newline=""
        )
        self._find_header(fmt)
        self.network = self.layout.profile.network
        # Strict: a quote never closed (a download cut short) or text after a closing quote
        # is an error, not a cell that swallows the rest of the file or a guess at the value.
        self._reader = csv.reader(
            self._text, delimiter=self.delimiter, skipinitialspace=True, strict=True
        )
        self._rows = self._read_rows()

    @property
    def bytes_read(self) -> int:
        """Bytes taken from the source so far (reading runs a little ahead)."""
        return self._feed.consumed

    def __iter__(self) -> Iterator[SpendRow]:
        return self._rows

    # -- opening --------------------------------------------------------------------------

    def _open_feed(self, source: BinaryIO, encoding: str | None) -> _Feed:
        head = b""
        try:
            while len(head) < 4:
                more = source.read(_CHUNK)
                if not more:
                    break
                head += more
        except OSError as err:
            raise ImportRejected([f"{self.name}: cannot read: {err.strerror or err}"]) from None
        consumed = len(head)
        if encoding is None:
            encoding = "utf-8"
            for bom, codec in _BOMS:
                if head.startswith(bom):
                    encoding = codec
                    break
        else:
            try:
                b"\x00\x00\x00\x00".decode(encoding)  # b"" would skip the codec lookup
            except (UnicodeError, ValueError):
                pass
            except LookupError:
                raise ImportRejected(
                    [
                        f"{self.name}: unknown encoding {encoding!r}: give --encoding a text"
                        " encoding such as utf-8, utf-16 or latin-1"
                    ]
                ) from None
        if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
            encoding = "utf-8"
            if head.startswith(codecs.BOM_UTF8):
                head = head[len(codecs.BOM_UTF8) :]
        if not head:
            raise ImportRejected([f"{self.name}: file is empty"])
        for magic, what in _SPREADSHEETS:
            if head.startswith(magic):
                raise ImportRejected(
                    [
                        f"{self.name}: this is {what}, not CSV: download the report as CSV"
                        " (or save it as CSV from the spreadsheet)"
                    ]
                )
        self.encoding = encoding
        return _Feed(source, head, consumed, encoding, self.name)

    def _find_header(self, fmt: str) -> None:
        wanted = list(PROFILES.values()) if fmt == "auto" else [PROFILES[fmt]]
        others = [p for p in PROFILES.values() if p not in wanted]
        lookalike: Profile | None = None
        dayless: tuple[Profile, int] | None = None
        content = False
        preamble: list[tuple[int, str]] = []
        for lineno in range(1, _PREAMBLE_LINES + 1):
            line = self._text.readline(_LINE_LIMIT)
            if not line:
                break
            if len(line) == _LINE_LIMIT and line[-1] not in "\r\n":
                raise ImportRejected(
                    [
                        f"{self.name}:{lineno}: line is longer than {_LINE_LIMIT} characters"
                        " and no spend header came before it: this is not a CSV export"
                    ]
                )
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if not line.strip():
                continue
            content = True
            found = self._fit(line, wanted, lineno)
            if found is not None:
                if fmt == "generic" and "row_id" not in found[0].index:
                    self._refuse_network_as_generic(line, lineno)
                if found[0].profile.network == "generic" and "row_id" not in found[0].index:
                    self._refuse_network_lookalike(line, lineno, found[1], bool(preamble))
                if fmt == "auto" and found[0].profile.network != "generic":
                    # A network's spelling with an id column: a file of one's own, whose rows
                    # count once per id (no export has a bare id column).
                    own = self._fit(line, [PROFILES["generic"]], lineno, conflicts=False)
                    if own is not None and "row_id" in own[0].index:
                        found = own
                self.layout, self.delimiter = found
                self._header_cells = [c.strip() for c in _cells(line, self.delimiter)]
                self.header_line = lineno
                self._check_preamble(preamble)
                return
            preamble.append((lineno, line))
            if lookalike is None and others:
                other = self._fit(line, others, lineno, conflicts=False)
                lookalike = other[0].profile if other is not None else None
            if dayless is None:
                dayless = self._dayless(line, wanted, lineno)
        if not content:
            raise ImportRejected([f"{self.name}: file is empty"])
        if dayless is not None and lookalike is None:
            profile, lineno = dayless
            raise ImportRejected(
                [
                    f"{self.name}:{lineno}: this {profile.label} export has no day column:"
                    f" {profile.day_hint}"
                ]
            )
        # A header read in the wrong encoding is no header: say which one was used.
        decoded = (
            f"; it was read as {self._given_encoding}, as --encoding says: if that is not the"
            " file's encoding, give the right one, or leave --encoding out (UTF-8 and UTF-16"
            " with a byte-order mark are recognised)"
            if self._given_encoding is not None
            else ""
        )
        if fmt == "auto":
            needs = "; ".join(f"{p.label}: {p.expects}" for p in PROFILES.values())
            raise ImportRejected(
                [
                    f"{self.name}: no spend header found: expected columns like date, campaign,"
                    " amount (generic) or a Google Ads, Meta or Microsoft Advertising export"
                    f" ({needs}){decoded}"
                ]
            )
        profile = PROFILES[fmt]
        hint = decoded
        if lookalike is not None:
            hint = (
                f" (this looks like a {lookalike.label} export: use --format"
                f" {lookalike.network} or auto)"
            )
        raise ImportRejected(
            [
                f"{self.name}: no {profile.label} header found: expected columns"
                f" {profile.expects}{hint}"
            ]
        )

    def _refuse_network_as_generic(self, line: str, lineno: int) -> None:
        """A network export read as generic rows would add up where its days should replace.

        Only a header without an id column: a hand-written ``Day,Campaign,Cost,id`` file is
        generic rows with ids (and ``auto`` reads it so)."""
        networks = [p for p in PROFILES.values() if p.network != "generic"]
        other = self._fit(line, networks, lineno, conflicts=False)
        if other is not None:
            profile = other[0].profile
            raise ImportRejected(
                [
                    f"{self.name}:{lineno}: this is a {profile.label} export: its rows are days"
                    " of spend that a later report replaces, while generic rows add up (the"
                    f" same report twice would count twice): use --format {profile.network}"
                    " or auto (a file of your own: give each row an id in an id column)"
                ]
            )

    def _refuse_network_lookalike(
        self, line: str, lineno: int, delimiter: str, after_lines: bool
    ) -> None:
        """A network export read as generic rows would add up where the network's later
        reports replace its days: refuse a header that is a network's but for letter case
        (a fetch script that lower-cased it) or but for one needed column renamed (``Date``
        for ``Day``), where the file might be an export: lines before the header
        (``after_lines``, a report's title), or a column the generic format does not read
        (an export's ``Impr.``, or a ``Region`` of one's own: refused, as a renamed export
        read as generic would count twice). A header of generic names alone
        (``Date,Campaign,Cost``) is a file of one's own."""
        cells = _cells(line, delimiter)
        exported = after_lines or not reads_every_cell(PROFILES["generic"], cells)
        for profile in PROFILES.values():
            if profile.network == "generic":
                continue
            if matches_but_for_case(profile, cells):
                differs, fix = "letter case", "restore the header's letter case"
            elif exported and (wanted := one_column_short(profile, cells)) is not None:
                differs = f"its {wanted} column"
                fix = "give the column its name again, or download the report anew"
            else:
                continue
            own = "give each row an id in an id column" + (
                "" if differs == "letter case" else ", or write the header in lower case"
            )
            raise ImportRejected(
                [
                    f"{self.name}:{lineno}: this header is a {profile.label} export's but for"
                    f" {differs} (expected {profile.expects}): read as generic rows, its days"
                    f" would add up where a later report replaces them: {fix} (a file of your"
                    f" own: {own})"
                ]
            )

    def _check_preamble(self, preamble: list[tuple[int, str]]) -> None:
        """Refuse a report whose title lines say its rows are not days of spend."""
        profile = self.layout.profile
        for lineno, line in preamble:
            text = line.strip().strip('"').strip()
            if profile.stated_rows is not None:
                stated = profile.stated_rows.fullmatch(text)
                if stated is not None:
                    self._stated_rows = (lineno, int(stated["value"].replace(",", "")))
            if profile.stated_period is not None:
                period = profile.stated_period.fullmatch(text)
                if period is not None:
                    try:
                        first = _parse_day(period["start"], profile)[0]
                        last = _parse_day(period["end"] or period["start"], profile)[0]
                    except InvalidValue:
                        first = last = None
                    if first is not None and last is not None and first <= last:
                        self._period = (lineno, first, last)
            for pattern, why in profile.refused_preamble:
                hit = pattern.fullmatch(text)
                if hit is not None:
                    raise ImportRejected(
                        [f"{self.name}:{lineno}: {why.format(value=hit['value'].strip())}"]
                    )

    def _fit(
        self, line: str, profiles: list[Profile], lineno: int, conflicts: bool = True
    ) -> tuple[Layout, str] | None:
        counts = sorted(((line.count(d), d) for d in _DELIMITERS), reverse=True)
        for count, delimiter in counts:
            if not count:
                break
            cells = _cells(line, delimiter)
            if not cells:
                continue
            for profile in profiles:
                try:
                    layout = match_header(profile, cells)
                except HeaderConflict as err:
                    if not conflicts:
                        continue
                    raise ImportRejected([f"{self.name}:{lineno}: {err}"]) from None
                if layout is not None:
                    return layout, delimiter
        return None

    @staticmethod
    def _dayless(line: str, profiles: list[Profile], lineno: int) -> tuple[Profile, int] | None:
        for delimiter in _DELIMITERS:
            if delimiter not in line:
                continue
            cells = _cells(line, delimiter)
            if not cells:
                continue
            for profile in profiles:
                if len(cells) > 1 and lacks_only_a_day(profile, cells):
                    return profile, lineno
        return None

    # -- rows -----------------------------------------------------------------------------

    def _read_rows(self) -> Iterator[SpendRow]:
        layout = self.layout
        i_day = layout.column(layout.day_role)
        i_campaign = layout.column("campaign")
        i_amount = layout.column("amount")
        i_ext = layout.column("external_id")
        i_brand = layout.column("brand")
        i_currency = layout.column("currency")
        i_id = layout.column("row_id")
        i_note = layout.column("note")
        has_ext, has_brand, has_id, has_note = i_ext >= 0, i_brand >= 0, i_id >= 0, i_note >= 0
        has_currency = i_currency >= 0
        # Meta's Day column beside its Reporting starts/ends: the row's range must hold its day.
        i_lo, i_hi = layout.column("range_start"), layout.column("range_end")
        has_range = layout.day_role == "day" and i_lo >= 0
        fixed_currency = layout.header_currency
        # Rows that carry a range (Meta without a Day column) all take the careful path.
        width = layout.width if layout.day_role == "day" else -1
        day_get = self._day_cache.get
        day_if_valid = self._day_if_valid
        currency_get = self._currency_cache.get
        scale = _SCALE
        missing = _MISSING
        careful = self._careful_row
        # Network exports group thousands ("1,234.56"): take well-grouped amounts fast too.
        grouped = layout.profile.thousands == ","
        grouped_whole = _GROUPED_AMOUNT.fullmatch
        # A file separated by semicolons: "12,500" and "1.500" take the careful path (refused).
        semicolons = self.delimiter == ";"
        either_way = _EITHER_WAY.fullmatch
        reader = self._reader
        base = last = self.header_line
        good = 0
        spent = 0
        broken = ""
        try:
            for rec in reader:
                start = last + 1
                last = base + reader.line_num
                if len(rec) == width:
                    when = day_get(rec[i_day])
                    if when is None:
                        when = day_if_valid(rec[i_day])
                    if has_range and when is not None:
                        lo = day_get(rec[i_lo]) or day_if_valid(rec[i_lo])
                        hi = day_get(rec[i_hi]) or day_if_valid(rec[i_hi])
                        day, lo_day, hi_day = when[0], lo and lo[0], hi and hi[0]
                        if not (day and lo_day and hi_day and lo_day <= day <= hi_day):
                            when = None  # the careful path says what is wrong, if anything
                    whole, _, fraction = rec[i_amount].partition(".")
                    if grouped and "," in whole and grouped_whole(whole) is not None:
                        whole = whole.replace(",", "")
                    digits = whole + fraction
                    campaign = rec[i_campaign].strip()
                    currency = (
                        currency_get(rec[i_currency], missing) if has_currency else fixed_currency
                    )
                    if (
                        when is not None
                        and campaign
                        and currency is not missing
                        and digits.isdigit()
                        and digits.isascii()
                        and len(fraction) < 7
                        and len(whole) < 13
                        and not (semicolons and either_way(rec[i_amount]))
                    ):
                        good += 1
                        micros = int(digits) * scale[len(fraction)]
                        spent += micros
                        yield (
                            start,
                            campaign,
                            (rec[i_ext].strip() or None) if has_ext else None,
                            (rec[i_brand].strip() or None) if has_brand else None,
                            when[0],
                            when[1],
                            micros,
                            currency,  # type: ignore[misc]
                            (rec[i_id].strip() or None) if has_id else None,
                            (rec[i_note].strip() or None) if has_note else None,
                        )
                        continue
                row = careful(rec, start)
                if row is not None:
                    spent += row[6]
                    yield row
        except csv.Error as err:
            broken = f"{self.name}:{last + 1}: cannot read this line as CSV: {csv_reason(err)}"
        finally:
            self.rows_read += good
        if broken:
            self._fatal(broken)
        if self.rows_read and not self.problem_count:
            self._check_complete(spent)
        if not self.rows_read and self.empty_report:
            # A day without spend: the report's total rows or Rows: line show it is whole.
            self._check_complete(0)
            return
        if not self.rows_read and self._spent_totals and not self.problem_count:
            self._fatal(
                f"{self.name}: its total rows show spend but it has no spend rows: download the"
                " report again with its campaign rows"
            )
        if not self.rows_read:
            totals = ""
            if self.skipped_totals:
                totals = f" (only {self.skipped_totals} total or footer rows, which are not spend)"
            self._fatal(f"{self.name}: no spend rows after the header{totals}")

    @property
    def empty_report(self) -> bool:
        """A network report with no spend rows that shows it is whole: its total rows (of
        zero) came after the header, or its title lines state a row count. (A generic file
        has no such marks: one without rows is refused.)"""
        return (
            self.network != "generic"
            and not self.rows_read
            and not self.problem_count
            and not (self._spent_totals or self._odd_totals)
            and (self.skipped_totals > self._footers or self._stated_rows is not None)
        )

    def _check_complete(self, spent: int) -> None:
        """A file with fewer rows, or less spend, than it says it has was cut short."""
        if self._stated_rows is not None:
            line, stated = self._stated_rows
            have = self.rows_read + self.skipped_totals - self._footers
            if have < stated:
                self._problem(
                    line,
                    f"the report says it has {stated:,} rows but the file holds {have:,}: is the"
                    " file cut short? Download it again (if rows were removed on purpose, remove"
                    " this line too)",
                )
        if self._summary is not None and self._summaries == 1:
            line, total, decimals = self._summary
            # Every row, and the summary, is rounded on its own to the unit the file shows
            # (a cent, or a yen): allow half that unit for each.
            half_unit = 5 * 10 ** (5 - decimals)
            if total - spent > half_unit * (self.rows_read + 1):
                self._problem(
                    line,
                    f"the summary row says {format_money(total)} was spent but the rows add up to"
                    f" {format_money(spent)}: is the file cut short? Download it again (if rows"
                    " were removed on purpose, remove the summary row too)",
                )

    def _fatal(self, problem: str) -> None:
        raise ImportRejected([*self.problems, problem])

    def _is_header_again(self, rec: list[str]) -> bool:
        # A second report's header keeps its byte-order mark in the middle of the file.
        return [c.strip().lstrip("\ufeff") for c in rec] == self._header_cells

    def _careful_row(self, rec: list[str], line: int) -> SpendRow | None:
        """Decide what a row is that the fast path did not take: spend, not spend, or wrong."""
        layout = self.layout
        profile = layout.profile
        width = layout.width
        filled = [c for c in rec if c.strip()]
        if not filled:
            return None
        first = filled[0].strip()
        if len(rec) == width and self._is_header_again(rec):
            self._problem(
                line,
                f"the header of line {self.header_line} comes again here: are two reports joined"
                " in one file? Import each report as a file of its own",
            )
            return None
        if len(filled) == 1 and profile.footer_row.fullmatch(first):
            self.skipped_totals += 1
            self._footers += 1
            return None
        looks_total = profile.total_row.match(first) is not None
        if len(rec) < width:
            # Exports write every cell of a row: a short row is a download cut short (its
            # last cell may be the first digits of the amount), unless it is a total.
            if looks_total:
                self._skip_total(rec)
                return None
            delimiter = _DELIMITER_NAMES[self.delimiter]
            self.rows_read += 1
            self._problem(
                line,
                f"row has {len(rec)} cells but the header has {width} ({delimiter}-separated):"
                " is the file cut short? (a complete row has a cell for every column, empty or not)",
            )
            return None
        if len(rec) > width and any(c.strip() for c in rec[width:]):
            self.rows_read += 1
            self._problem(
                line,
                f"row has {len(rec)} cells but the header has {width}: is a"
                f" {self.delimiter!r} inside a value not quoted?",
            )
            return None
        campaign = rec[layout.column("campaign")].strip()
        if not campaign and profile.blank_campaign_is_total:
            self._skip_total(rec)
            if profile.summary_is_total:
                self._summaries += 1
                cell = rec[layout.column("amount")]
                try:
                    self._summary = (line, _amount(cell, profile), _decimals(cell))
                except InvalidValue:
                    self._summary = None
            return None
        day_text = rec[layout.column(layout.day_role)].strip()
        if not day_text and (profile.blank_day_is_total or looks_total):
            self._skip_total(rec)
            return None
        errors: list[str] = []
        when: tuple[date | None, datetime | None] = (None, None)
        try:
            when = self._day(rec[layout.column(layout.day_role)])
        except InvalidValue as err:
            if looks_total:
                self._skip_total(rec)
                return None
            errors.append(err.message)
        self.rows_read += 1
        if layout.day_role == "range_start" and not errors:
            end_text = rec[layout.column("range_end")]
            try:
                end = self._day(end_text)
            except InvalidValue as err:
                errors.append(err.message)
            else:
                if end != when:
                    self._fatal(
                        f"{self.name}:{line}: row covers {when[0]} to {end[0]}:"
                        f" {profile.range_hint}"
                    )
        elif layout.day_role == "day" and layout.column("range_start") >= 0 and not errors:
            problem = self._outside_range(rec, when[0])
            if problem:
                errors.append(problem)
        if not campaign:
            errors.append("campaign is empty")
        micros = 0
        try:
            micros = _amount(rec[layout.column("amount")], profile, self.delimiter == ";")
        except InvalidValue as err:
            errors.append(err.message)
        currency = layout.header_currency
        i_currency = layout.column("currency")
        if i_currency >= 0:
            try:
                currency = self._currency(rec[i_currency])
            except InvalidValue as err:
                errors.append(err.message)
        if errors:
            for message in errors:
                self._problem(line, message)
            return None
        return (
            line,
            campaign,
            _optional(rec, layout.column("external_id")),
            _optional(rec, layout.column("brand")),
            when[0],
            when[1],
            micros,
            currency,
            _optional(rec, layout.column("row_id")),
            _optional(rec, layout.column("note")),
        )

    def _outside_range(self, rec: list[str], day: date | None) -> str | None:
        """A Day the row's own reporting range does not hold (blank or odd ranges are let be:
        the Day column says which day the row is)."""
        layout = self.layout
        lo_text, hi_text = rec[layout.column("range_start")], rec[layout.column("range_end")]
        lo, hi = self._day_if_valid(lo_text), self._day_if_valid(hi_text)
        if day is None or lo is None or hi is None or lo[0] is None or hi[0] is None:
            return None
        if lo[0] <= day <= hi[0]:
            return None
        span = str(lo[0]) if lo[0] == hi[0] else f"{lo[0]} to {hi[0]}"
        return f"day {day} lies outside the row's reporting range ({span}): the row contradicts itself"

    def _skip_total(self, rec: list[str]) -> None:
        """Count a total row, and note whether it shows spend, or an amount that cannot be
        read as zero (see :attr:`empty_report`)."""
        self.skipped_totals += 1
        i = self.layout.column("amount")
        if i >= len(rec):
            self._odd_totals = True
            return
        try:
            if _amount(rec[i], self.layout.profile) != 0:
                self._spent_totals = True
        except InvalidValue:
            self._odd_totals = True

    def _problem(self, line: int, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{self.name}:{line}: {message}")

    def _day(self, text: str) -> tuple[date | None, datetime | None]:
        cached = self._day_cache.get(text)
        if cached is not None:
            return cached
        value = self._day_in_period(text)
        if len(self._day_cache) < _CACHE_LIMIT:
            self._day_cache[text] = value
        return value

    def _day_in_period(self, text: str) -> tuple[date | None, datetime | None]:
        """A day cell, which must lie in the period the report states, if it states one."""
        value = _parse_day(text, self.layout.profile)
        if self._period is not None and value[0] is not None:
            line, first, last = self._period
            if not first <= value[0] <= last:
                covers = first.isoformat() + ("" if first == last else f" to {last.isoformat()}")
                raise InvalidValue(
                    f"day {value[0].isoformat()} ({text.strip()!r}) is not one the report covers,"
                    f" {covers} (its Report Time, line {line}): were its dates saved day first, as"
                    " a spreadsheet can? Download the report again and import it unopened"
                )
        return value

    def _day_if_valid(self, text: str) -> tuple[date | None, datetime | None] | None:
        """The fast path's miss: a day not seen yet, or ``None`` for the careful path."""
        try:
            value = self._day_in_period(text)
        except InvalidValue:
            return None
        if len(self._day_cache) < _CACHE_LIMIT:
            self._day_cache[text] = value
        return value

    def _currency(self, text: str) -> str | None:
        cached = self._currency_cache.get(text, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        code = text.strip().strip('"').strip().upper()
        value: str | None = code or self.layout.header_currency
        if code and _CURRENCY.fullmatch(code) is None:
            raise InvalidValue(f"currency {text.strip()!r} is not a 3-letter ISO 4217 code")
        if len(self._currency_cache) < _CACHE_LIMIT:
            self._currency_cache[text] = value
        return value


def _cells(line: str, delimiter: str) -> list[str]:
    """One line's cells, as the header is read (none when it is not CSV)."""
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
    except (csv.Error, StopIteration):
        return []


def _optional(rec: list[str], index: int) -> str | None:
    return (rec[index].strip() or None) if index >= 0 else None


def _parse_day(text: str, profile: Profile) -> tuple[date | None, datetime | None]:
    """A day cell as ``(day, None)`` or, for a timestamp, ``(None, at)``."""
    t = text.strip()
    if len(t) == 10 and _ISO_DATE.fullmatch(t) is not None:
        try:
            return date(int(t[:4]), int(t[5:7]), int(t[8:])), None
        except ValueError:
            raise InvalidValue(f"date {t!r} is not a valid date") from None
    if profile.timestamps and t[10:11] in _TIME_SEPARATORS and t[4:5] == t[7:8] == "-":
        # datetime.fromisoformat checks the rest (3.11 takes any ISO 8601 date and time)
        try:
            return None, datetime.fromisoformat(t)
        except ValueError:
            raise InvalidValue(
                f"timestamp {t!r} is not a valid date and time: use ISO 8601 such as"
                " 2026-11-24T09:15:00-05:00, 2026-11-24T14:15:00Z or 2026-11-24 09:15"
            ) from None
    if profile.month_first_dates:
        us = _US_DATE.fullmatch(t)
        if us is not None:
            month, day, year = us.groups()
            try:
                return date(int(year), int(month), int(day)), None
            except ValueError:
                raise InvalidValue(f"date {t!r} is not a valid date") from None
    if not t:
        raise InvalidValue("date is empty")
    forms = "YYYY-MM-DD"
    if profile.month_first_dates:
        forms += " or M/D/YYYY"
    if profile.timestamps:
        forms += ", or a date and time such as 2026-11-24T09:15:00-05:00 or 2026-11-24 09:15"
    raise InvalidValue(f"date {t!r} is not a date: use {forms}")


def _amount(text: str, profile: Profile, semicolons: bool = False) -> int:
    """An amount cell in micros, with the profile's number dressing removed.

    ``semicolons``: the file is separated by semicolons, as spreadsheets save it where a
    comma marks decimals and a point groups thousands; an amount that such a file would
    mean otherwise (``12,500``: 12.5; ``1.500``: 1500) is refused, not guessed."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        t = t[1:-1].strip()
    if t in profile.zero_amounts:
        return 0
    if semicolons:
        _refuse_ambiguous(t)
    if len(t) > 40:
        raise InvalidValue(f"amount {t[:40]!r}... is too long to be an amount")
    if profile.thousands and profile.thousands in t:
        if _GROUPED_AMOUNT.fullmatch(t) is None:
            _refuse_currency_sign(t)
            raise InvalidValue(
                f"amount {t!r} is not a decimal number: use '.' for decimals and group"
                " thousands by three (1234.56 or 1,234.56)"
            )
        bare = t.replace(profile.thousands, "")
        try:
            return parse_micros(bare, what="amount")
        except InvalidValue as exc:  # say it as the file has it
            raise InvalidValue(exc.message.replace(repr(bare), repr(t), 1)) from None
    try:
        return parse_micros(t, what="amount")
    except InvalidValue:
        _refuse_currency_sign(t)
        raise


def _refuse_ambiguous(t: str) -> None:
    if _COMMA_ONLY.fullmatch(t) is not None:
        mark, where = ",", "',' marks decimals"
    elif _DOT_THREE.fullmatch(t) is not None:
        mark, where = ".", "'.' groups thousands"
    else:
        return
    whole, fraction = t.split(mark)
    short = fraction.rstrip("0")
    # The decimal reading, written so that it cannot be taken for thousands: 12.5, 12.3450.
    decimal = f"{whole}.{short}0" if len(short) == 3 else f"{whole}.{short}" if short else whole
    plain = whole + fraction
    raise InvalidValue(
        f"amount {t!r} could mean {plain} or {decimal}: this file is separated by semicolons,"
        f" as spreadsheets save it where {where}; write {plain} or {decimal}"
    )


def _decimals(cell: str) -> int:
    """How many decimals an amount cell shows (``1,234.56``: 2; ``201``: 0; at most 6)."""
    _, dot, fraction = cell.strip().strip("\"'").partition(".")
    return min(len(fraction.strip()), 6) if dot else 0


def _refuse_currency_sign(t: str) -> None:
    """A refused amount that carries a currency sign says so (looked for only once refused)."""
    if any(unicodedata.category(c) == "Sc" for c in t):
        raise InvalidValue(
            f"amount {t!r} has a currency sign: give the number alone; the currency goes in "
            "its own column"
        ) from None


def csv_reason(err: csv.Error) -> str:
    """Why Python's csv module could not read a line, in an operator's words."""
    reason = str(err)
    if "field larger than field limit" in reason:
        return (
            f"a cell is longer than {csv.field_size_limit()} characters"
            " (a quote that is never closed, or not a CSV file)"
        )
    if "unexpected end of data" in reason:
        return "a quote opened on this line is never closed (is the file cut short?)"
    if "expected after" in reason:
        return "a quoted value has more text after its closing quote"
    return reason
