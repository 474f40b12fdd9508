"""The content of one region report, computed from that region's export only.

Everything shown is an exported cell (or its absence): tiles, charts and sentences never
compute a figure the export does not hold, so nothing is shared that disclosure control
removed. The definitions give labels, the norm names and the chain's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from expectations.rules import safe_text
from reports.dutch import dagen, datum, getal, is_number, maand, procent
from reports.export_data import (
    GEEN,
    MAAND,
    TOTAAL,
    RegionExport,
    Waarde,
    cell,
    monthly,
    pct_binnen_norm,
    values,
)
from reports.svg import Band, Reference, Series, line_chart, swatch
from sources.definitions import Definitions
from sources.definitions.models import Rapportage

# The region's own totals: every organisation, every municipality, every kind of measure (and
# for the flows the monthly rows; instroom: every soort_instroom, new trajectories and follow-ons).
REGIO_STAND = {"organisatie_code": TOTAAL, "gemeente_code": TOTAAL, "maatregel_type": TOTAAL}
REGIO_GI_UITSTROOM = {
    **MAAND,
    "bron": "gi_maatregelen",
    "organisatie_code": TOTAAL,
    "gemeente_code": TOTAAL,
    "categorie": TOTAAL,
}
REGIO_GI_INSTROOM = {**REGIO_GI_UITSTROOM, "soort_instroom": TOTAAL}
# Lead times: the monthly rows in calendar days, every kader (kader TOTAAL selects every step).
DOORLOOP = {**MAAND, "kader": TOTAAL, "eenheid": "dagen"}


@dataclass
class Tile:
    title: str
    value: Waarde
    fmt: Callable[[float], str]
    detail: str = ""
    comparisons: list[tuple[str, str]] = field(default_factory=list)  # (label, text)


@dataclass
class Chart:
    title: str
    intro: str
    svg: str
    legend: list[tuple[str, str]]  # (swatch svg, label)
    headers: list[str]
    table: list[list[str]]  # per month: month, then one text per series


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
    tiles: list[Tile]
    texts: list[str]
    charts: list[Chart]
    chain_month: date | None
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


def _pct_detail(export: RegionExport, kader: str, norm: str, month: date, org: str = TOTAAL) -> str:
    normen = export.table("normen")
    where = {**MAAND, "periode": month, "organisatie_code": org, "kader": kader, "norm": norm}
    binnen = cell(normen, "binnen_norm", **where)
    buiten = cell(normen, "buiten_norm", **where)
    lopend = cell(normen, "nog_binnen_termijn", **where)
    parts = []
    if binnen.ok and buiten.ok and binnen.value + buiten.value == 0:
        parts.append("nog geen afgeronde gevallen")
    elif binnen.ok and buiten.ok:
        parts.append(f"{getal(binnen.value)} van {getal(binnen.value + buiten.value)} afgerond binnen de norm")
    elif binnen.state != GEEN:
        parts.append("aantallen onderdrukt")
    if lopend.ok and lopend.value:
        parts.append(f"{getal(lopend.value)} nog binnen termijn")
    return "; ".join(parts)


def _days(value: Waarde) -> str:
    return f"{value.text(dagen)} dagen" if value.ok else value.text()


def _tiles(export: RegionExport, config: Rapportage, month: date) -> list[Tile]:
    prev, year = month - relativedelta(months=1), month - relativedelta(years=1)
    stand, wacht, normen = export.table("stand"), export.table("wachttijden"), export.table("normen")
    kader = config.kader_normen

    def stock(column: str, m: date) -> Waarde:
        return cell(stand, column, peildatum=_month_end(m), **REGIO_STAND)

    def waiting(column: str, m: date) -> Waarde:
        # Waits are per kader (no JB + JR total): the kader of the norms.
        return cell(wacht, column, peildatum=_month_end(m), organisatie_code=TOTAAL, kader=kader)

    tiles = [
        Tile(
            "Lopende maatregelen (JB en JR)",
            stock("lopend", month),
            getal,
            f"eind {maand(month)}",
            [
                (f"eind {maand(prev)}", stock("lopend", prev).text()),
                (f"eind {maand(year)}", stock("lopend", year).text()),
            ],
        ),
        Tile(
            f"Wachtend op een vaste jeugdbeschermer ({kader})",
            waiting("aantal_wachtend", month),
            getal,
            f"maatregelen eind {maand(month)}; mediane wachttijd {_days(waiting('mediaan_wachttijd_dagen', month))}",
            [
                (f"eind {maand(prev)}", waiting("aantal_wachtend", prev).text()),
                (f"eind {maand(year)}", waiting("aantal_wachtend", year).text()),
            ],
        ),
    ]
    for norm, label in config.normlabels.items():

        def pct(m: date, norm: str = norm) -> Waarde:
            return pct_binnen_norm(normen, [m], organisatie_code=TOTAAL, kader=kader, norm=norm)[0]

        tiles.append(
            Tile(
                label,
                pct(month),
                procent,
                f"{kader}, {maand(month)}" + (f"; {d}" if (d := _pct_detail(export, kader, norm, month)) else ""),
                [(maand(prev), pct(prev).text(procent)), (maand(year), pct(year).text(procent))],
            )
        )
    return tiles


def _number(row: dict, column: str) -> float | None:
    value = row.get(column)
    return float(value) if is_number(value) else None


def _caseload_norms(rows: list[dict]) -> tuple[float | None, float | None, float | None]:
    """(norm per fte, band low, band high) of the latest caseload row; None where there is none."""
    if not rows:
        return None, None, None
    latest = max(rows, key=lambda row: row["peildatum"])
    return tuple(_number(latest, c) for c in ("norm_per_fte", "streef_kinderen_min", "streef_kinderen_max"))


def _chart(
    months: list[date],
    named: list[tuple[str, list[Waarde], bool]],
    *,
    title: str,
    intro: str,
    unit: str,
    fmt: Callable[[float], str] = getal,
    **extra,
) -> Chart:
    series = [Series(label, values(cells), emphasis) for label, cells, emphasis in named]
    svg = line_chart(months, series, title=title, unit=unit, fmt=fmt, **extra)
    table = [[maand(m), *(cells[i].text(fmt) for _, cells, _ in named)] for i, m in enumerate(months)]
    return Chart(
        title=title,
        intro=intro,
        svg=svg,
        legend=[(swatch(i, s.emphasis), s.label) for i, s in enumerate(series)],
        headers=["Maand", *(label for label, _, _ in named)],
        table=table[::-1],  # newest first
    )


def _charts(export: RegionExport, defs: Definitions, config: Rapportage, months: list[date]) -> list[Chart]:
    names = _organisation_names(defs)
    gis = _gis(export, defs)
    ends = [_month_end(m) for m in months]
    kader = config.kader_normen
    normen, instroom, uitstroom = export.table("normen"), export.table("instroom"), export.table("uitstroom")
    stand, wacht, caseload = export.table("stand"), export.table("wachttijden"), export.table("caseload")
    charts = []

    def per_gi(cells: Callable[[str], list[Waarde]]) -> list[tuple[str, list[Waarde], bool]]:
        """One series for the region's total (drawn thicker) and one per GI."""
        return [(_who(org, names), cells(org), org == TOTAAL) for org in [TOTAAL, *gis]]

    for norm, label in config.normlabels.items():
        named = per_gi(
            lambda org, norm=norm: pct_binnen_norm(normen, months, organisatie_code=org, kader=kader, norm=norm)
        )
        charts.append(
            _chart(
                months,
                named,
                title=f"{label} ({kader}), per GI",
                intro="Percentage binnen de norm van de afgeronde gevallen, per maand van het begin van de termijn, "
                "eenmaal per traject. Alleen afgerekende maanden (de termijn is voor alle gevallen voorbij) hebben "
                "een percentage; de laatste maanden zijn nog niet afgerekend.",
                unit="procent",
                fmt=procent,
                y_max=100.0,
            )
        )
    flows = [
        ("Instroom (uitspraken)", monthly(instroom, "aantal", months, "periode", **REGIO_GI_INSTROOM), False),
        ("Uitstroom (beëindigd)", monthly(uitstroom, "aantal", months, "periode", **REGIO_GI_UITSTROOM), False),
    ]
    charts.append(
        _chart(
            months,
            flows,
            title="Instroom en uitstroom van maatregelen (JB en JR), alle GI's",
            intro="Nieuwe maatregelen per maand van de uitspraak, en beëindigde maatregelen per maand van het einde.",
            unit="maatregelen",
        )
    )
    charts.append(
        _chart(
            months,
            [("Lopend", monthly(stand, "lopend", ends, "peildatum", **REGIO_STAND), True)],
            title="Lopende maatregelen (JB en JR), eind van de maand",
            intro="Het aantal lopende maatregelen op de laatste dag van elke maand, alle GI's samen.",
            unit="maatregelen",
        )
    )
    charts.append(
        _chart(
            months,
            per_gi(lambda org: monthly(wacht, "aantal_wachtend", ends, "peildatum", organisatie_code=org, kader=kader)),
            title=f"Wachtlijst: maatregelen zonder vaste jeugdbeschermer ({kader}), per GI",
            intro="Eind van de maand: lopende maatregelen die nog geen vaste jeugdbeschermer hadden.",
            unit="maatregelen",
        )
    )
    charts.append(
        _chart(
            months,
            per_gi(
                lambda org: monthly(
                    wacht, "mediaan_wachttijd_dagen", ends, "peildatum", organisatie_code=org, kader=kader
                )
            ),
            title=f"Mediane wachttijd op een vaste jeugdbeschermer ({kader}), per GI",
            intro="Voor de maatregelen die eind van de maand wachtten: de mediaan van de dagen sinds de eerste "
            "inkennisstelling van het traject.",
            unit="dagen",
            fmt=dagen,
        )
    )
    lead = export.table("doorlooptijden")
    charts.append(
        _chart(
            months,
            [
                (
                    f"{schakel.naam}: {stap.label}",
                    monthly(lead, "mediaan", months, "periode", **DOORLOOP, organisatie_code=TOTAAL, stap=stap.stap),
                    schakel is config.ketenschakels[-1],
                )
                for schakel in config.ketenschakels
                for stap in schakel.stappen
            ],
            title="Doorlooptijden in de keten (mediaan, dagen)",
            intro="Per stap de mediaan van de doorlooptijd, in de maand waarin de stap eindigde, in de volgorde van "
            "de keten: Veilig Thuis, de Raad, de rechter en de GI. Medianen van stappen tellen niet op tot de "
            "mediaan van de hele keten.",
            unit="dagen",
            fmt=dagen,
        )
    )
    # Norm and band as the export carries them (per GI and valid on the peildatum: the latest row's).
    norm_value, low, high = _caseload_norms(caseload.where(kader=kader))
    gi_series = [
        (org, lambda column, org=org: monthly(caseload, column, ends, "peildatum", organisatie_code=org, kader=kader))
        for org in gis
    ]
    charts.append(
        _chart(
            months,
            [(names.get(org, org), series("caseload_per_fte"), False) for org, series in gi_series],
            title=f"Caseload per GI ({kader}): maatregelen met een vaste jeugdbeschermer per fte",
            intro="Eind van de maand"
            + (f", tegen de norm van {getal(norm_value)} per fte" if norm_value is not None else "")
            + ". Een GI werkt voor meer regio's: dit is de caseload van de hele GI.",
            unit="maatregelen per fte",
            fmt=lambda v: getal(v, 1),
            reference=Reference(norm_value, f"norm {getal(norm_value)} per fte") if norm_value is not None else None,
        )
    )
    band = low is not None and high is not None
    charts.append(
        _chart(
            months,
            [(names.get(org, org), series("kinderen_per_fte"), False) for org, series in gi_series],
            title=f"Kinderen per fte per GI ({kader})",
            intro="Eind van de maand: de kinderen met een vaste jeugdbeschermer per fte"
            + (f", tegen het streefbereik {getal(low)}–{getal(high)} kinderen per fte" if band else "")
            + ". Dit is de hele GI.",
            unit="kinderen per fte",
            fmt=lambda v: getal(v, 1),
            band=Band(low, high, f"streefbereik {getal(low)}–{getal(high)} per fte") if band else None,
        )
    )
    return charts


def _chain(export: RegionExport, config: Rapportage, months: list[date]) -> tuple[date | None, list[ChainLink]]:
    """The chain picture: each step's median in the latest month in which any step has a visible median."""
    lead = export.table("doorlooptijden")
    codes = [s.stap for s in config.stappen]
    chosen = None
    for month in reversed(months):
        if any(cell(lead, "mediaan", **DOORLOOP, periode=month, organisatie_code=TOTAAL, stap=c).ok for c in codes):
            chosen = month
            break
    month = chosen or (months[-1] if months else None)
    links = [
        ChainLink(
            schakel.naam,
            [
                ChainStep(
                    stap.label,
                    cell(lead, "mediaan", **DOORLOOP, periode=month, organisatie_code=TOTAAL, stap=stap.stap),
                    cell(lead, "aantal", **DOORLOOP, periode=month, organisatie_code=TOTAAL, stap=stap.stap),
                )
                for stap in schakel.stappen
            ],
        )
        for schakel in config.ketenschakels
    ]
    return month, links


def _comparison(label: str, cur: Waarde, prev: Waarde, month: date, fmt: Callable[[float], str]) -> str:
    before, now = maand(month - relativedelta(months=1)), maand(month)
    if round(cur.value, 1) == round(prev.value, 1):
        return f"{label}: gelijk gebleven op {fmt(cur.value)} ({before} en {now})."
    verb = "steeg" if cur.value > prev.value else "daalde"
    return f"{label} {verb} van {fmt(prev.value)} in {before} naar {fmt(cur.value)} in {now}."


def _texts(export: RegionExport, defs: Definitions, config: Rapportage, month: date) -> list[str]:
    """What changed since the previous month, in plain sentences; only visible figures are compared."""
    names = _organisation_names(defs)
    prev = month - relativedelta(months=1)
    stand, wacht, normen = export.table("stand"), export.table("wachttijden"), export.table("normen")
    texts = []
    lopend = [cell(stand, "lopend", peildatum=_month_end(m), **REGIO_STAND) for m in (month, prev)]
    if all(w.ok for w in lopend):
        texts.append(_comparison("Het aantal lopende maatregelen", lopend[0], lopend[1], month, getal))
    kader = config.kader_normen
    wachtend = [
        cell(wacht, "aantal_wachtend", peildatum=_month_end(m), organisatie_code=TOTAAL, kader=kader)
        for m in (month, prev)
    ]
    if all(w.ok for w in wachtend):
        texts.append(
            _comparison(
                f"Het aantal maatregelen ({kader}) zonder vaste jeugdbeschermer", wachtend[0], wachtend[1], month, getal
            )
        )
    hidden = 0
    for norm, label in config.normlabels.items():
        short = label.split(":")[0]
        for org in [TOTAAL, *_gis(export, defs)]:
            before, cur = pct_binnen_norm(normen, [prev, month], organisatie_code=org, kader=kader, norm=norm)
            if cur.state == GEEN and before.state == GEEN:
                continue
            if not (cur.ok and before.ok):
                hidden += 1
                continue
            who = "in de regio" if org == TOTAAL else f"bij {names.get(org, org)}"
            sentence = _comparison(f"{short} ({kader}) {who}", cur, before, month, procent)
            waiting = cell(
                normen, "nog_binnen_termijn", **MAAND, periode=month, organisatie_code=org, kader=kader, norm=norm
            )
            if waiting.ok and waiting.value:
                sentence += (
                    f" Van {maand(month)} zijn nog {getal(waiting.value)} gevallen binnen de termijn;"
                    " dat percentage is voorlopig."
                )
            texts.append(sentence)
    if hidden:
        texts.append(
            f"{hidden} vergelijking(en) van een norm tussen {maand(prev)} en {maand(month)} zijn niet te maken "
            "omdat een van beide cijfers onderdrukt is, ontbreekt, nog niet afgerekend is of nog geen afgeronde "
            "gevallen heeft."
        )
    caseload = export.table("caseload")
    for org in _gis(export, defs):
        row = caseload.find(peildatum=_month_end(month), organisatie_code=org, kader=kader)
        c = cell(caseload, "caseload_per_fte", peildatum=_month_end(month), organisatie_code=org, kader=kader)
        if not c.ok:
            continue
        norm_value, low, high = _caseload_norms([row])
        sentence = (
            f"Caseload {kader} bij {names.get(org, org)} eind {maand(month)}: {getal(c.value, 1)} maatregelen met "
            "een vaste jeugdbeschermer per fte"
        )
        if norm_value is not None:
            where = "boven" if c.value > norm_value else "niet boven"
            sentence += f", {where} de norm van {getal(norm_value)}"
        sentence += "."
        kinderen = cell(caseload, "kinderen_per_fte", peildatum=_month_end(month), organisatie_code=org, kader=kader)
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
    config = defs.rapportage
    month = latest_month(export)
    months = months_ending(month, config.maanden_in_grafieken)
    chain_month, chain = _chain(export, config, months)
    return RegionReport(
        code=export.code,
        naam=region_names(defs).get(export.code, export.code),
        generated_at=export.manifest.get("generated_at", ""),
        definities_versie=export.manifest.get("definities_versie", ""),
        drempel=int(export.manifest.get("onderdrukking", {}).get("drempel", 0)),
        month=month,
        months=months,
        tiles=_tiles(export, config, month) if month else [],
        texts=_texts(export, defs, config, month) if month else [],
        charts=_charts(export, defs, config, months) if month else [],
        chain_month=chain_month,
        chain=chain,
        organisations=_organisations(export, defs),
        delivery_issues=_delivery_issues(export, defs, config, months),
    )
