"""What each ad network's spend export looks like, as data.

Every import format is a :class:`Profile`: which header names give the day, the
campaign, its network id, the amount and the currency; which dates and numbers
the cells may hold; and how the network marks rows that are not spend (totals,
summaries, footers). :mod:`budgetctl.importers.reader` is the one parser that
reads every format through its profile; adding a network means adding a
profile here, not writing a parser.

Network profiles match header names exactly as the networks spell them
(``Campaign ID``, ``Amount spent (USD)``): they are machine-written and stable,
and exact names keep a hand-written ``day,campaign,cost`` file out of the
Google Ads profile. The generic profile matches case-insensitively, with
spaces, ``_`` and ``-`` treated alike, and knows the common synonyms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

#: Roles a header column can play. ``day`` holds the date (or, for the generic
#: format, a date or a timestamp); Meta's undivided exports give a range instead.
ROLES = (
    "day",
    "range_start",
    "range_end",
    "campaign",
    "external_id",
    "brand",
    "amount",
    "currency",
    "row_id",
    "note",
)


@dataclass(frozen=True, slots=True)
class Column:
    """One role and the header names that carry it.

    ``pattern`` matches headers that carry a value in their name, such as Meta's
    ``Amount spent (USD)``: its ``currency`` group is the currency of every row.
    """

    role: str
    names: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    required: bool = False
    #: how messages name a column matched by ``pattern`` (``Amount spent (CUR)``)
    label: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """An import format: its columns, its number and date rules, its non-spend rows."""

    network: str
    label: str
    #: what the header needs, for error messages
    expects: str
    columns: tuple[Column, ...]
    #: ways to find the day, best first: each a tuple of roles that must all be present
    day_sources: tuple[tuple[str, ...], ...] = (("day",),)
    #: header names compared case-insensitively, with runs of space, ``_``, ``-`` as one ``_``
    loose_names: bool = False
    #: the day cell may also be an ISO 8601 timestamp (with or without an offset)
    timestamps: bool = False
    #: the day cell may also be ``M/D/YYYY`` (US month first)
    month_first_dates: bool = False
    #: a row with an empty day cell is a per-campaign total, not spend
    blank_day_is_total: bool = False
    #: a row with an empty campaign cell is a summary row, not spend
    blank_campaign_is_total: bool = False
    #: cells read as zero
    zero_amounts: frozenset[str] = field(default_factory=lambda: frozenset({"", "--"}))
    #: thousands separator allowed in amounts (grouped by three: ``1,234.56``)
    thousands: str = ","
    #: a row whose first non-empty cell matches this (and whose day is not a date) is a total:
    #: ``Total``, ``Totals``, ``Total: Account``, ``Total - Campaigns``; not a campaign named
    #: ``Total Fitness``, whose row without a day is an error, not a total
    total_row: re.Pattern[str] = re.compile(r"totals?(?:\s*[:\-\u2013]|\s*$)", re.IGNORECASE)
    #: a row of one non-empty cell matching this is a footer
    footer_row: re.Pattern[str] = re.compile(
        r"(?:©|\(c\)|copyright\b).*|.*\ball rights reserved\b.*", re.IGNORECASE | re.DOTALL
    )
    #: why a row spanning several days is refused, and what to do instead
    range_hint: str = ""
    #: what to do when the header has everything but a day column
    day_hint: str = ""
    #: report-title lines before the header that make the rows something other than days
    #: of spend: a pattern for the line (without its quotes), and why the file is refused
    #: (``{value}`` is the pattern's ``value`` group)
    refused_preamble: tuple[tuple[re.Pattern[str], str], ...] = ()
    #: a report-title line that states how many rows follow (the ``value`` group, such as
    #: Microsoft's ``Rows: 3``): a file with fewer was cut short
    stated_rows: re.Pattern[str] | None = None
    #: a report-title line that states the days the report covers (``start`` and ``end``
    #: groups, ``M/D/YYYY``, such as Microsoft's ``Report Time: 11/1/2026,11/2/2026``): a row
    #: dated outside them was misread (its dates re-saved day first) or does not belong
    stated_period: re.Pattern[str] | None = None
    #: the summary row (blank campaign) gives the amount spent over all rows: rows adding up
    #: to less, beyond rounding, means the file was cut short
    summary_is_total: bool = False


def loose(name: str) -> str:
    """A header name as the loose (generic) profile compares it."""
    return _LOOSE_SEPARATORS.sub("_", name.strip().casefold()).strip("_")


_LOOSE_SEPARATORS = re.compile(r"[\s_\-]+")


GOOGLE_ADS = Profile(
    network="google-ads",
    label="Google Ads",
    expects="Day, Campaign, Cost (optional: Campaign ID, Currency code)",
    columns=(
        Column("day", ("Day",), required=True),
        Column("campaign", ("Campaign",), required=True),
        Column("external_id", ("Campaign ID",)),
        Column("amount", ("Cost",), required=True),
        Column("currency", ("Currency code", "Currency")),
    ),
    blank_day_is_total=True,
    day_hint="add the Day segment (Segment > Time > Day) so that each row is one day",
)

META = Profile(
    network="meta",
    label="Meta Ads",
    expects=(
        "Campaign name, Amount spent (CUR), and Day or Reporting starts + Reporting ends"
        " (optional: Campaign ID)"
    ),
    columns=(
        Column("day", ("Day",)),
        Column("range_start", ("Reporting starts",)),
        Column("range_end", ("Reporting ends",)),
        Column("campaign", ("Campaign name",), required=True),
        Column("external_id", ("Campaign ID",)),
        Column(
            "amount",
            pattern=re.compile(r"Amount spent \((?P<currency>[A-Za-z]{3})\)"),
            required=True,
            label="Amount spent (CUR)",
        ),
        Column("currency", ("Currency",)),
    ),
    day_sources=(("day",), ("range_start", "range_end")),
    blank_day_is_total=True,
    blank_campaign_is_total=True,
    summary_is_total=True,
    range_hint=(
        "export from Ads Manager with Breakdown > By time > Day so that each row is one day"
    ),
    day_hint="export from Ads Manager with Breakdown > By time > Day",
)

MICROSOFT = Profile(
    network="microsoft",
    label="Microsoft Advertising",
    expects=(
        "Gregorian date or TimePeriod, Campaign name or CampaignName, Spend"
        " (optional: Campaign ID or CampaignId, Currency code or CurrencyCode)"
    ),
    columns=(
        Column("day", ("Gregorian date", "TimePeriod", "Date"), required=True),
        Column("campaign", ("Campaign name", "CampaignName"), required=True),
        Column("external_id", ("Campaign ID", "CampaignId")),
        Column("amount", ("Spend",), required=True),
        Column("currency", ("Currency code", "CurrencyCode")),
    ),
    month_first_dates=True,
    blank_day_is_total=True,
    day_hint=(
        "add the Gregorian date column (or TimePeriod with daily aggregation) so that each"
        " row is one day"
    ),
    refused_preamble=(
        (
            re.compile(r"Report Aggregation:\s*(?P<value>(?!Daily\s*$)\S.*)", re.IGNORECASE),
            "the report's aggregation is {value}, so a row is not one day's spend: download it"
            " with Report Aggregation: Daily",
        ),
    ),
    stated_rows=re.compile(r"Rows:\s*(?P<value>[0-9][0-9,]*)", re.IGNORECASE),
    stated_period=re.compile(
        r"Report Time:\s*(?P<start>\d{1,2}/\d{1,2}/\d{4})(?:\s*,\s*(?P<end>\d{1,2}/\d{1,2}/\d{4}))?",
        re.IGNORECASE,
    ),
)

GENERIC = Profile(
    network="generic",
    label="generic",
    expects=(
        "date (or day, time, timestamp, occurred_at), campaign (or campaign_name),"
        " amount (or cost, spend); optional: brand, currency, id (or key, idempotency_key,"
        " txn), external_id (or campaign_id), note (or memo, description)"
    ),
    columns=(
        Column(
            "day",
            (
                "date",
                "day",
                "time",
                "timestamp",
                "datetime",
                "date_time",
                "occurred_at",
                "occurred",
                "when",
            ),
            required=True,
        ),
        Column("brand", ("brand", "brand_name", "client", "advertiser")),
        Column("campaign", ("campaign", "campaign_name"), required=True),
        Column("amount", ("amount", "cost", "spend", "spent", "amount_spent"), required=True),
        Column("currency", ("currency", "currency_code", "ccy")),
        Column("external_id", ("external_id", "campaign_id", "network_id", "ext_id")),
        Column(
            "row_id",
            ("id", "key", "idempotency_key", "txn", "txn_id", "transaction_id"),
        ),
        Column("note", ("note", "notes", "memo", "description", "comment")),
    ),
    loose_names=True,
    timestamps=True,
    day_hint="add a date column (date, day, time, timestamp or occurred_at) to say when",
)

#: ``--format`` names, in the order ``auto`` tries them: networks first (exact
#: names), the loose generic format last.
PROFILES: dict[str, Profile] = {p.network: p for p in (GOOGLE_ADS, META, MICROSOFT, GENERIC)}


@dataclass(frozen=True, slots=True)
class Layout:
    """A header matched to a profile: the column index of every role (-1 when absent)."""

    profile: Profile
    width: int
    index: dict[str, int]
    #: which role gives the day: ``day`` or ``range_start`` (then ``range_end`` is set).
    #: With ``day``, a reporting range beside it (Meta's) must hold the day.
    day_role: str
    #: the currency named in the header (Meta's ``Amount spent (USD)``), upper-cased
    header_currency: str | None

    def column(self, role: str) -> int:
        return self.index.get(role, -1)

    @property
    def needed_width(self) -> int:
        """Cells a row needs to reach its day, campaign and amount."""
        return 1 + max(i for role, i in self.index.items() if role in _NEEDED_ROLES)


_NEEDED_ROLES = frozenset({"day", "range_start", "range_end", "campaign", "amount"})


class HeaderConflict(ValueError):
    """Two header cells claim the same role; the message names them."""


def match_header(profile: Profile, cells: list[str]) -> Layout | None:
    """Fit a header row to ``profile``, or ``None`` when it is not that format's header.

    Raises :class:`HeaderConflict` when the header fits but two columns claim
    one role (``date`` and ``day``): guessing which one is meant would import
    the wrong figures.
    """
    seen, header_currency = _claims(profile, cells)
    if any(col.required and col.role not in seen for col in profile.columns):
        return None
    day_role = _day_role(profile, seen)
    if day_role is None:
        return None
    index: dict[str, int] = {}
    for role, hits in seen.items():
        if len(hits) > 1:
            shown = " and ".join(repr(cells[i].strip()) for i in hits)
            raise HeaderConflict(
                f"columns {shown} both give the {role.replace('_', ' ')}: keep one of them"
            )
        index[role] = hits[0]
    if day_role != "range_start" and not ("range_start" in index and "range_end" in index):
        index.pop("range_start", None)
        index.pop("range_end", None)
    return Layout(
        profile=profile,
        width=len(cells),
        index=index,
        day_role=day_role,
        header_currency=header_currency,
    )


def lacks_only_a_day(profile: Profile, cells: list[str]) -> bool:
    """Whether ``cells`` is ``profile``'s header but for the day (a report not split by day)."""
    seen, _ = _claims(profile, cells)
    day_roles = {role for source in profile.day_sources for role in source}
    return _day_role(profile, seen) is None and all(
        col.role in seen for col in profile.columns if col.required and col.role not in day_roles
    )


def _claims(
    profile: Profile, cells: list[str], *, fold: bool = False
) -> tuple[dict[str, list[int]], str | None]:
    """The column indexes each role's names hit, and a currency named in the header.

    ``fold`` compares a network's names without letter case (see :func:`matches_but_for_case`).
    """
    key: Callable[[str], str]
    if profile.loose_names:
        names, key = [loose(c) for c in cells], loose
    elif fold:
        names, key = [c.strip().casefold() for c in cells], str.casefold
    else:
        names, key = [c.strip() for c in cells], str.strip
    seen: dict[str, list[int]] = {}
    header_currency: str | None = None
    for col in profile.columns:
        wanted = {key(n) for n in col.names}
        for i, name in enumerate(names):
            hit = name in wanted
            if not hit and col.pattern is not None:
                flags = re.IGNORECASE if fold else 0
                m = re.fullmatch(col.pattern.pattern, name, flags)
                if m is not None:
                    hit = True
                    if header_currency is None and "currency" in col.pattern.groupindex:
                        header_currency = m.group("currency").upper()
            if hit:
                seen.setdefault(col.role, []).append(i)
    return seen, header_currency


def matches_but_for_case(profile: Profile, cells: list[str]) -> bool:
    """Whether ``cells`` would be ``profile``'s header if letter case did not count.

    A network profile matches its names exactly; a header it misses only by case
    (``COST`` for ``Cost``, the other cells as the network spells them) is still that
    network's export, which read as generic rows would add up where its days should
    replace.
    """
    exact = {c.strip() for c in cells}
    if not any(exact.intersection(col.names) for col in profile.columns):
        # A header all in one's own case (``day,campaign,cost``) is a file of one's own.
        return False
    seen, _currency = _claims(profile, cells, fold=True)
    return _day_role(profile, seen) is not None and all(
        col.role in seen for col in profile.columns if col.required
    )


def one_column_short(profile: Profile, cells: list[str]) -> str | None:
    """The network's name for the one column ``cells`` lacks of ``profile``'s header, when
    every other column it needs is there, spelled as the network spells it (``Date`` for
    Google's ``Day``, ``Amount spent`` without Meta's currency); else ``None``.

    Such a header is a network export with a column renamed: read as generic rows, its
    days would add up where a later report replaces them.
    """
    seen, _currency = _claims(profile, cells)
    missing = [col for col in profile.columns if col.required and col.role not in seen]
    if _day_role(profile, seen) is None and not any(col.role == "day" for col in missing):
        missing.extend(col for col in profile.columns if col.role == profile.day_sources[0][0])
    if len(missing) != 1:
        return None
    col = missing[0]
    return col.label or " or ".join(col.names)


def reads_every_cell(profile: Profile, cells: list[str]) -> bool:
    """Whether each named cell of ``cells`` is one of ``profile``'s columns."""
    seen, _currency = _claims(profile, cells)
    claimed = {i for hits in seen.values() for i in hits}
    return all(i in claimed for i, cell in enumerate(cells) if cell.strip())


def _day_role(profile: Profile, seen: dict[str, list[int]]) -> str | None:
    for source in profile.day_sources:
        if all(role in seen for role in source):
            return source[0]
    return None
