"""The content of one region report, computed from that region's export only, around what a
region decides on, in this order:

1. the **achterstand** (backlog) on the latest month-end, per GI and for the region, JB and JR;
2. the **three norms for JB and JR** as settled rolling-12 percentages with their n, against the
   window a quarter and a year earlier, and the unsettled months after it as counts so far
   (`voorlopig`), never as a percentage;
3. **trends**: the norms per settled quarter (8 quarters, per GI where the figures are visible),
   the backlog per month, the chain per quarter (share of JB trajectories linked to an
   investigation and to Veilig Thuis; lead times per step), caseload per GI against that GI's own
   norm and target band, instroom and uitstroom per quarter;
4. **sentences** that state differences only (no causes, no judgement).

Everything shown is an exported cell (or its absence), or a sum or ratio of visible cells of one
row (n = binnen + buiten; the share of linked trajectories): nothing is shared that disclosure
control removed. The definitions give labels, the norm names and the chain's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from expectations.rules import safe_text
from reports.dutch import dagen, datum, getal, is_number, kwartaal, kwartaal_kort, maand, procent, twaalf_maanden
from reports.export_data import (
    GEEN,
    KWARTAAL,
    MAAND,
    TEXT,
    TOTAAL,
    RegionExport,
    Waarde,
    cell,
    monthly,
    norm_n,
    pct_binnen_norm,
    share,
    values,
)
from reports.figures import (
    ACHTERSTAND,
    KADER_NAMEN,
    KWARTALEN,
    RollingNorm,
    Window,
    backlog,
    kaders,
    latest_backlog_date,
    latest_quarters,
    rolling_norm,
    settled_quarters,
)
from reports.svg import Band, Reference, Series, line_chart, new_document, swatch
from sources.definitions import Definitions
from sources.definitions.models import Rapportage

# The region's own totals: every organisation, every municipality, every kind of measure (and
# for the flows: every soort_instroom, new trajectories and follow-ons).
REGIO_STAND = {"organisatie_code": TOTAAL, "gemeente_code": TOTAAL, "maatregel_type": TOTAAL}
REGIO_GI_UITSTROOM = {
    "bron": "gi_maatregelen",
    "organisatie_code": TOTAAL,
    "gemeente_code": TOTAAL,
    "categorie": TOTAAL,
}
REGIO_GI_INSTROOM = {**REGIO_GI_UITSTROOM, "soort_instroom": TOTAAL}
# Lead times: the region's quarter rows in calendar days, every kader (kader TOTAAL selects every step).
LEAD = {"kader": TOTAAL, "eenheid": "dagen", "organisatie_code": TOTAAL}
DOORLOOP = {**KWARTAAL, **LEAD}
HALF = 480  # the width of a chart shown two side by side (JB beside JR, a norm beside its band)


@dataclass
class BacklogRow:
    who: str
    total: bool  # the region's total row
    cells: list[Waarde]  # per kader (Backlog.kaders), the ACHTERSTAND columns


@dataclass
class Backlog:
    peildatum: date | None
    kaders: list[str]
    columns: list[str]
    rows: list[BacklogRow]


@dataclass
class NormTile:
    kader: str
    norm: str
    title: str
    value: Waarde  # the settled rolling-12 percentage
    n: Waarde  # binnen + buiten of that window
    window: str  # which 12 months
    comparisons: list[tuple[str, str]]  # (which window, "78% (n = 430)")
    voorlopig: list[tuple[str, str]]  # (month, counts so far)


@dataclass
class Chart:
    title: str
    intro: str
    svg: str
    legend: list[tuple[str, str]]  # (swatch svg, label)
    headers: list[str]
    table: list[list[str]]  # per period: its name, then one text per series
    half: bool = False  # shown beside another chart


@dataclass
class ChartGroup:
    id: str
    title: str
    intro: str
    charts: list[Chart]


@dataclass
class ChainStep:
    label: str
    median: Waarde
    aantal: Waarde


@dataclass
class ChainLink:
    naam: str
    stappen: list[ChainStep]


@dataclass
class RegionReport:
    code: str
    naam: str
    generated_at: str
    definities_versie: str
    drempel: int
    month: date | None  # the latest month with figures (first day)
    months: list[date]
    backlog: Backlog
    norms: list[tuple[str, list[NormTile]]]  # per kader (its name), the three norms
    texts: list[str]
    groups: list[ChartGroup]
    chain_quarter: date | None
    chain: list[ChainLink]
    organisations: list[dict]
    delivery_issues: list[dict] | None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(month: date) -> date:
    return month + relativedelta(months=1) - relativedelta(days=1)


def months_ending(month: date | None, count: int) -> list[date]:
    """The `count` months up to and including `month`, oldest first (none without a month)."""
    return [month - relativedelta(months=k) for k in range(count - 1, -1, -1)] if month else []


def latest_month(export: RegionExport) -> date | None:
    """The month of the region's latest stock figure (or, without one, of its latest monthly flow figure)."""
    for mart, column, filters in (
        ("stand", "peildatum", {}),
        ("achterstand", "peildatum", {}),
        ("normen", "periode", MAAND),
        ("instroom", "periode", MAAND),
    ):
        rows = export.table(mart).where(**filters)
        if rows:
            return _month_start(max(row[column] for row in rows))
    return None


def _who(org: str, names: dict[str, str]) -> str:
    """A series label: the GI's name, or the region's total."""
    return "Regio totaal" if org == TOTAAL else names.get(org, org)


def region_names(defs: Definitions) -> dict[str, str]:
    return {g.jeugdregio_code: g.jeugdregio_naam for g in defs.gemeenten}


def _organisation_names(defs: Definitions) -> dict[str, str]:
    return {o.organisatie_code: o.organisatie_naam for o in defs.organisaties}


def _gis(export: RegionExport, defs: Definitions) -> list[str]:
    types = {o.organisatie_code: o.organisatie_type for o in defs.organisaties}
    return [org for org in export.manifest.get("organisaties", []) if types.get(org) == "GI"]


# --- 1. the backlog ---------------------------------------------------------------------


def _backlog(export: RegionExport, defs: Definitions, config: Rapportage) -> Backlog:
    """The achterstand on the latest month-end: a row per GI active in the region, then the region."""
    names = _organisation_names(defs)
    peildatum = latest_backlog_date(export)
    order = kaders(config.kader_normen)
    rows = []
    for org in [*_gis(export, defs), TOTAAL]:
        cells = [c for k in order for c in backlog(export, peildatum, org, k)]
        # A GI without a row on the month-end had no running measure in the region: no line for it.
        if org == TOTAAL or any(c.state != GEEN for c in cells):
            rows.append(BacklogRow(_who(org, names), org == TOTAAL, cells))
    return Backlog(peildatum, order, [label for _, label, _ in ACHTERSTAND], rows)


# --- 2. the norms: settled rolling 12 months --------------------------------------------


def _with_n(window: Window) -> str:
    """'78% (n = 430)', or why there is no percentage."""
    text = window.pct.text(procent)
    return f"{text} (n = {getal(window.n.value)})" if window.pct.ok and window.n.ok else text


def _counts_so_far(binnen: Waarde, buiten: Waarde, nog: Waarde) -> str:
    """An unsettled month's counts, no percentage: '12 binnen, 3 buiten, 8 nog binnen termijn'."""
    parts = ((binnen, "binnen"), (buiten, "buiten"), (nog, "nog binnen termijn"))
    if all(v.ok for v, _ in parts):
        return ", ".join(f"{getal(v.value)} {label}" for v, label in parts)
    if len({v.state for v, _ in parts}) == 1:
        return TEXT[binnen.state]
    return ", ".join(f"{label}: {v.text()}" for v, label in parts)


def norm_tile(rolling: RollingNorm) -> NormTile:
    latest = rolling.latest
    earlier = [("3 maanden eerder", rolling.quarter_earlier), ("een jaar eerder", rolling.year_earlier)]
    return NormTile(
        kader=rolling.kader,
        norm=rolling.norm,
        title=rolling.label,
        value=latest.pct,
        n=latest.n,
        window=twaalf_maanden(latest.periode) if latest.periode else "nog geen afgerekende 12 maanden",
        comparisons=[
            (f"{label} (t/m {maand(w.periode)})", _with_n(w)) for label, w in earlier if w.periode is not None
        ],
        voorlopig=[
            (maand(v.month), _counts_so_far(v.binnen, v.buiten, v.nog_binnen_termijn)) for v in rolling.voorlopig
        ],
    )


def _rolling(export: RegionExport, config: Rapportage, month: date | None, org: str = TOTAAL) -> list[RollingNorm]:
    normen = export.table("normen")
    return [
        rolling_norm(normen, kader, norm, label, month, org)
        for kader in kaders(config.kader_normen)
        for norm, label in config.normlabels.items()
    ]


def _norm_tiles(export: RegionExport, config: Rapportage, month: date | None) -> list[tuple[str, list[NormTile]]]:
    tiles = [norm_tile(r) for r in _rolling(export, config, month)]
    return [(KADER_NAMEN[k], [t for t in tiles if t.kader == k]) for k in kaders(config.kader_normen)]


# --- 3. the trends ----------------------------------------------------------------------


def _chart(
    periods: list[date],
    named: list[tuple[str, list[Waarde], bool]],
    *,
    title: str,
    intro: str,
    unit: str,
    fmt: Callable[[float], str] = getal,
    ns: list[list[Waarde]] | None = None,
    quarters: bool = False,
    half: bool = False,
    **extra,
) -> Chart:
    """A line chart with its table of figures; `ns` adds each cell's n to the table."""
    series = [Series(label, values(cells), emphasis) for label, cells, emphasis in named]
    name = kwartaal if quarters else maand
    if quarters:
        extra.update(name=kwartaal, tick=kwartaal_kort, tick_every=1)
    svg = line_chart(periods, series, title=title, unit=unit, fmt=fmt, width=HALF if half else 760, **extra)

    def text(s: int, i: int) -> str:
        value = named[s][1][i]
        n = ns[s][i] if ns else None
        return f"{value.text(fmt)} (n = {getal(n.value)})" if value.ok and n is not None and n.ok else value.text(fmt)

    table = [[name(p), *(text(s, i) for s in range(len(named)))] for i, p in enumerate(periods)]
    return Chart(
        title=title,
        intro=intro,
        svg=svg,
        legend=[(swatch(i, s.emphasis), s.label) for i, s in enumerate(series)],
        headers=["Kwartaal" if quarters else "Maand", *(label for label, _, _ in named)],
        table=table[::-1],  # newest first
        half=half,
    )


def _norm_charts(export: RegionExport, defs: Definitions, config: Rapportage) -> ChartGroup:
    """Per norm, JB beside JR: the settled quarters, the region and each GI whose figures are visible."""
    names = _organisation_names(defs)
    gis = _gis(export, defs)
    normen = export.table("normen")
    charts = []
    for norm, label in config.normlabels.items():
        for kader in kaders(config.kader_normen):
            quarters = settled_quarters(normen, kader, norm)
            named, ns = [], []
            for org in [TOTAAL, *gis] if len(gis) > 1 else [TOTAAL]:
                where = {"organisatie_code": org, "kader": kader, "norm": norm}
                pcts = pct_binnen_norm(normen, quarters, kind=KWARTAAL, **where)
                if org != TOTAAL and not any(p.ok for p in pcts):
                    continue  # this GI's basis is too small in every quarter: the region's line only
                named.append((_who(org, names), pcts, org == TOTAAL))
                ns.append([norm_n(normen.find(**KWARTAAL, periode=q, **where)) for q in quarters])
            charts.append(
                _chart(
                    quarters,
                    named,
                    title=f"{label} ({kader})",
                    intro=f"{KWARTALEN} afgerekende kwartalen"
                    + (f" t/m {kwartaal(quarters[-1])}" if quarters else "")
                    + ("; per GI waar de aantallen het toelaten" if len(named) > 1 else "")
                    + ".",
                    unit="procent",
                    fmt=procent,
                    ns=ns,
                    quarters=True,
                    half=True,
                    y_max=100.0,
                )
            )
    return ChartGroup(
        "normen-per-kwartaal",
        "De normen per kwartaal",
        "Percentage binnen de norm van de afgeronde gevallen, eenmaal per traject, per kwartaal van het begin "
        "van de termijn. Alleen afgerekende kwartalen (de termijn is voor alle gevallen voorbij) staan erin; een "
        "kwartaal dat nog niet is afgerekend, telt niet mee. In de tabel staat n: binnen plus buiten de norm.",
        charts,
    )


def _backlog_charts(export: RegionExport, config: Rapportage, months: list[date]) -> ChartGroup:
    mart = export.table("achterstand")
    ends = [_month_end(m) for m in months]
    charts = [
        _chart(
            months,
            [
                (label, monthly(mart, column, ends, "peildatum", organisatie_code=TOTAAL, kader=kader), False)
                for column, label, _ in ACHTERSTAND[1:]
            ],
            title=f"Achterstand eind van de maand ({kader})",
            intro="Lopende maatregelen in de regio die wachten op een vaste jeugdbeschermer, en die na de termijn "
            "van een norm nog geen jeugdbeschermer, plan van aanpak of passende hulp hebben.",
            unit="maatregelen",
            half=True,
        )
        for kader in kaders(config.kader_normen)
    ]
    return ChartGroup(
        "achterstand-per-maand",
        f"De achterstand over {len(months)} maanden",
        "Eind van elke maand, alle GI's samen.",
        charts,
    )


def _chain(export: RegionExport, config: Rapportage) -> tuple[date | None, list[ChainLink]]:
    """The chain picture: each step's median in the latest quarter in which any step has a visible median."""
    lead = export.table("doorlooptijden")
    quarters = latest_quarters(lead, KWARTALEN, **LEAD)
    codes = [s.stap for s in config.stappen]
    chosen = next(
        (q for q in reversed(quarters) if any(cell(lead, "mediaan", **DOORLOOP, periode=q, stap=c).ok for c in codes)),
        quarters[-1] if quarters else None,
    )
    links = [
        ChainLink(
            schakel.naam,
            [
                ChainStep(
                    stap.label,
                    cell(lead, "mediaan", **DOORLOOP, periode=chosen, stap=stap.stap),
                    cell(lead, "aantal", **DOORLOOP, periode=chosen, stap=stap.stap),
                )
                for stap in schakel.stappen
            ],
        )
        for schakel in config.ketenschakels
    ]
    return chosen, links


def _chain_charts(export: RegionExport, config: Rapportage) -> ChartGroup:
    doorstroom, lead = export.table("doorstroom"), export.table("doorlooptijden")
    quarters = latest_quarters(doorstroom, KWARTALEN)
    rows = [doorstroom.find(**KWARTAAL, periode=q) for q in quarters]
    trajecten = [cell(doorstroom, "jb_trajecten", **KWARTAAL, periode=q) for q in quarters]
    linked = _chart(
        quarters,
        [
            ("met een onderzoek van de Raad", [share(r, "met_rvdk_onderzoek", "jb_trajecten") for r in rows], False),
            ("ook met een melding bij Veilig Thuis", [share(r, "met_vt_melding", "jb_trajecten") for r in rows], False),
        ],
        title="Nieuwe JB-trajecten met een voorgeschiedenis in de keten",
        intro="Per kwartaal van de eerste uitspraak: het deel van de nieuwe JB-trajecten dat te koppelen is aan een "
        "onderzoek van de Raad (rekest of spoedverzoek hooguit een jaar ervoor), en via dat onderzoek aan een "
        "melding bij Veilig Thuis. In de tabel staat n: het aantal nieuwe JB-trajecten.",
        unit="procent",
        fmt=procent,
        ns=[trajecten, trajecten],
        quarters=True,
        y_max=100.0,
    )
    lead_quarters = latest_quarters(lead, KWARTALEN, **LEAD)
    steps = _chart(
        lead_quarters,
        [
            (
                f"{schakel.naam}: {stap.label}",
                [cell(lead, "mediaan", **DOORLOOP, periode=q, stap=stap.stap) for q in lead_quarters],
                schakel is config.ketenschakels[-1],
            )
            for schakel in config.ketenschakels
            for stap in schakel.stappen
        ],
        title="Doorlooptijden in de keten per kwartaal (mediaan, dagen)",
        intro="Per stap de mediaan van de doorlooptijd, in het kwartaal waarin de stap eindigde, in de volgorde "
        "van de keten. Medianen van stappen tellen niet op tot de mediaan van de hele keten.",
        unit="dagen",
        fmt=dagen,
        ns=[
            [cell(lead, "aantal", **DOORLOOP, periode=q, stap=stap.stap) for q in lead_quarters]
            for stap in config.stappen
        ],
        quarters=True,
    )
    return ChartGroup(
        "keten",
        "De keten: Veilig Thuis, Raad, rechter, GI",
        "",
        [linked, steps],
    )


def _number(row: dict, column: str) -> float | None:
    value = row.get(column)
    return float(value) if is_number(value) else None


def _caseload_norms(rows: list[dict]) -> tuple[float | None, float | None, float | None]:
    """(norm per fte, band low, band high) of the latest row that carries them; None where there is none."""
    rows = [r for r in rows if any(_number(r, c) is not None for c in ("norm_per_fte", "streef_kinderen_min"))]
    if not rows:
        return None, None, None
    latest = max(rows, key=lambda row: row["peildatum"])
    return tuple(_number(latest, c) for c in ("norm_per_fte", "streef_kinderen_min", "streef_kinderen_max"))


def _caseload_charts(export: RegionExport, defs: Definitions, config: Rapportage, months: list[date]) -> ChartGroup:
    """Per kader, each GI against its own norm: GIs with the same norm and band share a pair of charts."""
    names = _organisation_names(defs)
    caseload = export.table("caseload")
    ends = [_month_end(m) for m in months]
    charts = []
    for kader in kaders(config.kader_normen):
        by_norms: dict[tuple, list[str]] = {}
        for org in _gis(export, defs):
            rows = caseload.where(organisatie_code=org, kader=kader)
            if any(_number(r, "caseload_per_fte") is not None for r in rows if r["peildatum"] in ends):
                by_norms.setdefault(_caseload_norms(rows), []).append(org)
        for (norm_value, low, high), orgs in by_norms.items():

            def series(column: str, orgs: list[str] = orgs, kader: str = kader) -> list[tuple[str, list[Waarde], bool]]:
                return [
                    (
                        names.get(o, o),
                        monthly(caseload, column, ends, "peildatum", organisatie_code=o, kader=kader),
                        False,
                    )
                    for o in orgs
                ]

            who = "" if len(by_norms) == 1 else f" – {', '.join(names.get(o, o) for o in orgs)}"
            band = low is not None and high is not None
            charts.append(
                _chart(
                    months,
                    series("caseload_per_fte"),
                    title=f"Caseload ({kader}): maatregelen met een vaste jeugdbeschermer per fte{who}",
                    intro="Eind van de maand"
                    + (f", tegen de norm van deze GI van {getal(norm_value)} per fte" if norm_value is not None else "")
                    + ". Een GI werkt voor meer regio's: dit is de caseload van de hele GI.",
                    unit="maatregelen per fte",
                    fmt=lambda v: getal(v, 1),
                    half=True,
                    reference=Reference(norm_value, f"norm {getal(norm_value)} per fte")
                    if norm_value is not None
                    else None,
                )
            )
            charts.append(
                _chart(
                    months,
                    series("kinderen_per_fte"),
                    title=f"Kinderen per fte ({kader}){who}",
                    intro="Eind van de maand: de kinderen met een vaste jeugdbeschermer per fte"
                    + (f", tegen het streefbereik {getal(low)}–{getal(high)} kinderen per fte" if band else "")
                    + ". Dit is de hele GI.",
                    unit="kinderen per fte",
                    fmt=lambda v: getal(v, 1),
                    half=True,
                    band=Band(low, high, f"streefbereik {getal(low)}–{getal(high)} per fte") if band else None,
                )
            )
    return ChartGroup(
        "caseload",
        "Caseload per GI",
        "Elke GI tegen haar eigen norm (maatregelen per fte) en streefbereik (kinderen per fte), zoals die op de "
        "peildatum golden.",
        charts,
    )


def _flow_charts(export: RegionExport) -> ChartGroup:
    instroom, uitstroom = export.table("instroom"), export.table("uitstroom")
    quarters = latest_quarters(instroom, KWARTALEN, **REGIO_GI_INSTROOM)
    chart = _chart(
        quarters,
        [
            (
                "Instroom (uitspraken)",
                [cell(instroom, "aantal", **KWARTAAL, periode=q, **REGIO_GI_INSTROOM) for q in quarters],
                False,
            ),
            (
                "Uitstroom (beëindigd)",
                [cell(uitstroom, "aantal", **KWARTAAL, periode=q, **REGIO_GI_UITSTROOM) for q in quarters],
                False,
            ),
        ],  # fmt: skip
        title="Instroom en uitstroom van maatregelen (JB en JR), alle GI's",
        intro="Nieuwe maatregelen per kwartaal van de uitspraak (ook vervolgmaatregelen en overdrachten), en "
        "beëindigde maatregelen per kwartaal van het einde.",
        unit="maatregelen",
        quarters=True,
    )
    return ChartGroup("stromen", "Instroom en uitstroom", "", [chart])


# --- 4. the sentences -------------------------------------------------------------------


def _change(label: str, cur: Waarde, prev: Waarde, before: str, now: str, fmt: Callable[[float], str]) -> str:
    if round(cur.value, 1) == round(prev.value, 1):
        return f"{label}: gelijk gebleven op {fmt(cur.value)} ({before} en {now})."
    verb = "steeg" if cur.value > prev.value else "daalde"
    return f"{label} {verb} van {fmt(prev.value)} {before} naar {fmt(cur.value)} {now}."


def _texts(export: RegionExport, defs: Definitions, config: Rapportage, month: date | None) -> list[str]:
    """What changed, in plain sentences; only visible figures are compared: the backlog against the
    previous month-end, each settled rolling-12 norm against the window a quarter earlier."""
    names = _organisation_names(defs)
    texts = []
    hidden = 0
    peildatum = latest_backlog_date(export)
    if peildatum is not None:
        before = peildatum.replace(day=1) - relativedelta(days=1)  # the previous month-end
        for kader in kaders(config.kader_normen):
            now_cells, prev_cells = (backlog(export, d, TOTAAL, kader) for d in (peildatum, before))
            for (_, _, subject), cur, prev in zip(ACHTERSTAND, now_cells, prev_cells, strict=True):
                if cur.ok and prev.ok:
                    texts.append(
                        _change(
                            f"{subject} ({kader})",
                            cur,
                            prev,
                            f"eind {maand(before)}",
                            f"eind {maand(peildatum)}",
                            getal,
                        )
                    )
    for org in [TOTAAL, *_gis(export, defs)]:
        who = "in de regio" if org == TOTAAL else f"bij {names.get(org, org)}"
        for rolling in _rolling(export, config, month, org):
            cur, prev = rolling.latest, rolling.quarter_earlier
            if cur.periode is None or (cur.pct.state == GEEN and prev.pct.state == GEEN):
                continue
            if not (cur.pct.ok and prev.pct.ok):
                hidden += 1
                continue
            short = rolling.label.split(":")[0]
            texts.append(
                _change(
                    f"{short} ({rolling.kader}) {who}, over 12 maanden,",
                    cur.pct,
                    prev.pct,
                    f"t/m {maand(prev.periode)}",
                    f"t/m {maand(cur.periode)}",
                    procent,
                )
            )
    if hidden:
        texts.append(
            f"{hidden} vergelijking(en) van een norm over 12 maanden met 3 maanden eerder zijn niet te maken omdat "
            "een van beide cijfers onderdrukt is, ontbreekt of nog geen afgeronde gevallen heeft."
        )
    texts += _caseload_texts(export, defs, config)
    return texts


def _caseload_texts(export: RegionExport, defs: Definitions, config: Rapportage) -> list[str]:
    """Each GI's caseload on the latest month-end against its own norm and band."""
    names = _organisation_names(defs)
    caseload = export.table("caseload")
    texts = []
    for kader in kaders(config.kader_normen):
        for org in _gis(export, defs):
            rows = caseload.where(organisatie_code=org, kader=kader)
            if not rows:
                continue
            peildatum = max(r["peildatum"] for r in rows)
            c = cell(caseload, "caseload_per_fte", peildatum=peildatum, organisatie_code=org, kader=kader)
            if not c.ok:
                continue
            norm_value, low, high = _caseload_norms(
                [caseload.find(peildatum=peildatum, organisatie_code=org, kader=kader)]
            )
            sentence = (
                f"Caseload {kader} bij {names.get(org, org)} eind {maand(peildatum)}: {getal(c.value, 1)} "
                "maatregelen met een vaste jeugdbeschermer per fte"
            )
            if norm_value is not None:
                where = "boven" if c.value > norm_value else "niet boven"
                sentence += f", {where} de norm van {getal(norm_value)}"
            sentence += "."
            kinderen = cell(caseload, "kinderen_per_fte", peildatum=peildatum, organisatie_code=org, kader=kader)
            if kinderen.ok and low is not None and high is not None:
                band = f"({getal(low)}–{getal(high)})"
                if kinderen.value > high:
                    where = f"boven het streefbereik {band}"
                elif kinderen.value >= low:
                    where = f"binnen het streefbereik {band}"
                else:
                    where = f"onder het streefbereik {band}"
                sentence += f" {getal(kinderen.value, 1)} kinderen per fte, {where}."
            texts.append(sentence)
    return texts


# --- the organisations and their deliveries ---------------------------------------------


def _organisations(export: RegionExport, defs: Definitions) -> list[dict]:
    """Each organisation active in the region with the peildatum of its delivery in force per bron."""
    by_code = defs.organisaties_by_code
    delivered: dict[str, dict[str, str]] = {}
    for levering in export.manifest.get("leveringen", []):
        delivered.setdefault(levering["organisatie_code"], {})[levering["bron"]] = levering["peildatum"]
    out = []
    for org in export.manifest.get("organisaties", []):
        known = by_code.get(org)
        kind = known.organisatie_type if known else ""
        bronnen = defs.bronnen_voor(kind) if kind else sorted(delivered.get(org, {}))
        out.append(
            {
                "code": safe_text(org),
                "naam": known.organisatie_naam if known else safe_text(org),
                "type": kind,
                "peildata": [
                    (bron, datum(date.fromisoformat(p)) if (p := delivered.get(org, {}).get(bron)) else "geen levering")
                    for bron in bronnen
                ],
            }
        )
    return out


def _delivery_issues(
    export: RegionExport, defs: Definitions, config: Rapportage, months: list[date]
) -> list[dict] | None:
    """Deliveries of the region's organisations that were missing, quarantined or late in the report's period.

    None when the export carries no delivery monitor (it was not built).
    """
    if export.manifest.get("aanlevering") is None:
        return None
    names = _organisation_names(defs)
    first = months[0] if months else date.min
    out = []
    for row in export.manifest["aanlevering"]:
        expected = date.fromisoformat(row["verwachte_maand"])
        if expected < first:  # the manifest holds only deliveries that were not on time
            continue
        status = config.aanleverstatus[row["status"]]
        out.append(
            {
                "organisatie": safe_text(names.get(row["organisatie_code"], row["organisatie_code"])),
                "bron": safe_text(row["bron"]),
                "maand": maand(expected),
                "code": row["status"],
                "status": status.label,
                "symbool": status.symbool,
                "regels": (row.get("regels") or "").replace(",", ", "),
            }
        )
    return out


def build_region_report(export: RegionExport, defs: Definitions) -> RegionReport:
    """Everything one region report shows."""
    new_document()
    config = defs.rapportage
    month = latest_month(export)
    months = months_ending(month, config.maanden_in_grafieken)
    chain_quarter, chain = _chain(export, config)
    groups = (
        [
            _norm_charts(export, defs, config),
            _backlog_charts(export, config, months),
            _chain_charts(export, config),
            _caseload_charts(export, defs, config, months),
            _flow_charts(export),
        ]
        if month
        else []
    )
    return RegionReport(
        code=export.code,
        naam=region_names(defs).get(export.code, export.code),
        generated_at=export.manifest.get("generated_at", ""),
        definities_versie=export.manifest.get("definities_versie", ""),
        drempel=int(export.manifest.get("onderdrukking", {}).get("drempel", 0)),
        month=month,
        months=months,
        backlog=_backlog(export, defs, config),
        norms=_norm_tiles(export, config, month),
        texts=_texts(export, defs, config, month) if month else [],
        groups=[g for g in groups if g.charts],
        chain_quarter=chain_quarter,
        chain=chain,
        organisations=_organisations(export, defs),
        delivery_issues=_delivery_issues(export, defs, config, months),
    )
