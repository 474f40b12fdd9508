"""The human-readable data dictionary, generated from `definitions/` (never written by hand).

`docs/data_dictionary.md` holds all of it (the marts are documented beside it, in
`docs/marts.md`, by marts/catalog.py). `ketenmonitor dictionary` rewrites both; a test fails
when either is stale.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sources.definitions import Definitions, Limieten, load_definitions
from sources.definitions.reference import caseloadnormen_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
DICTIONARY_PATH = REPO_ROOT / "docs" / "data_dictionary.md"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _rules_by_column(defs: Definitions, bron: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = defaultdict(list)
    for regel in [*defs.algemene_regels, *defs.bronnen[bron].regels]:
        for kolom in defs.kolommen_voor_regel(bron, regel):
            result[kolom.naam].append(regel.code)
    return result


def _bron_columns(defs: Definitions, bron: str, with_rules: bool) -> list[str]:
    b = defs.bronnen[bron]
    rules = _rules_by_column(defs, bron)
    header = ["kolom", "type", "verplicht", "codelijst", "omschrijving (nl)", "description (en)"]
    if with_rules:
        header.append("regels")
    rows = []
    for k in b.kolommen:
        row: list[object] = [
            f"`{k.naam}`",
            k.type,
            "ja" if k.verplicht else ("nee; kolom mag ontbreken / column may be left out" if k.optioneel else "nee"),
            k.codelijst or "",
            k.omschrijving.nl,
            k.omschrijving.en,
        ]
        if with_rules:
            row.append(", ".join(rules.get(k.naam, [])))
        rows.append(row)
    return _table(header, rows)


def _limits(limieten: Limieten) -> str:
    return (
        f"at most {limieten.max_bestand_mb:g} MB on disk, {limieten.max_rijen:,} rows and "
        f"{limieten.max_kolommen} columns; an xlsx unpacks to at most {limieten.xlsx_max_uitgepakt_mb:g} MB, "
        f"no part above 100 KiB more than {limieten.xlsx_max_compressieverhouding:g} times its packed size; "
        f"a parquet file's pages and its values as text take at most {limieten.parquet_max_uitgepakt_mb:g} MB"
    )


def _retired(vervallen: bool, vervangen_door: str | None) -> str:
    if not vervallen:
        return ""
    return f"vervallen; read as `{vervangen_door}` (ALG-CODE-W01)" if vervangen_door else "vervallen (ALG-CODE-W01)"


def _concepts(defs: Definitions) -> list[str]:
    """The section of begrippen.yaml, when there is one."""
    if not defs.begrippen:
        return []
    lines = ["## Concepts", ""]
    for b in defs.begrippen:
        lines += [f"### {b.naam}", "", b.uitleg.strip(), "", f"Example: {b.voorbeeld.strip()}", ""]
    return lines


def render_markdown(defs: Definitions) -> str:
    s = defs.instellingen
    lines = [
        "# Ketenmonitor data dictionary",
        "",
        "Generated from `definitions/` by `ketenmonitor dictionary`; do not edit by hand.",
        "",
        f"- Definitions version: **{defs.versie}** (contract version {s.contract_versie})",
        f"- Monitor start date: {s.monitor_startdatum.isoformat()}",
        f"- Suppression threshold in exports: {s.onderdrukking.drempel}"
        + (f", rounding to multiples of {s.onderdrukking.afronding}" if s.onderdrukking.afronding else ", no rounding"),
        f"- Deliveries expected within {s.aanlevering.termijn_dagen} days after month-end; "
        f"row-count warning above {s.aanlevering.max_verandering_aantal_rijen_pct:g}% change",
        f"- Chain links at most {s.doorstroom.max_dagen_tussen_stappen} days between steps",
        f"- Limits on a delivery file (rule ALG-LIM-001, 1 MB = 1,048,576 bytes): {_limits(s.limieten)}",
        "",
        "Row numbers in validation reports are spreadsheet rows: the header is row 1, the first record row 2.",
        "",
        *_concepts(defs),
        "## Deliveries (bronnen)",
        "",
        "A delivery is one file `inbox/<organisatie_code>/<bron>/<peildatum>.<csv|xlsx|parquet>`, "
        "a full snapshot as known on the peildatum.",
        "",
    ]
    for bron, b in defs.bronnen.items():
        lines += [
            f"### `{bron}`",
            "",
            f"{b.omschrijving.nl} / {b.omschrijving.en}",
            "",
            f"Delivered by: {', '.join(b.organisatie_types)}. Record id: `{b.record_id}`."
            + (f" Key: {', '.join(f'`{k}`' for k in b.sleutel)}." if b.sleutel != [b.record_id] else ""),
            "",
            *_bron_columns(defs, bron, with_rules=True),
            "",
        ]
        if b.regels:
            lines += [
                f"Rules specific to `{bron}`:",
                "",
                *_table(
                    ["code", "severity", "check", "column", "message (en)"],
                    [[f"`{r.code}`", r.ernst, r.controle, getattr(r, "kolom", ""), r.melding.en] for r in b.regels],
                ),
                "",
            ]
    lines += [
        "## Rules for every bron",
        "",
        "They apply to columns by their attributes (type, verplicht, codelijst); see the `regels` column above.",
        "",
        *_table(
            ["code", "severity", "check", "description (en)", "omschrijving (nl)"],
            [
                [
                    f"`{r.code}`",
                    r.ernst,
                    r.controle,
                    r.omschrijving.en if r.omschrijving else r.melding.en,
                    r.omschrijving.nl if r.omschrijving else r.melding.nl,
                ]
                for r in defs.algemene_regels
            ],
        ),
        "",
        "## Column types",
        "",
        *_table(
            ["type", "parsed as", "pattern", "pseudonym", "description (en)"],
            [
                [
                    f"`{naam}`",
                    t.basis,
                    f"`{t.patroon}`" if t.patroon else "",
                    "yes" if t.pseudoniem else "",
                    t.omschrijving.en,
                ]
                for naam, t in defs.typen.items()
            ],
        ),
        "",
        "## Code lists",
        "",
    ]
    for naam, lijst in defs.codelijsten.items():
        has_kader = any(c.kader for c in lijst.codes)
        has_vervallen = bool(lijst.vervallen)
        header = ["code", *(["kader"] if has_kader else []), "nl", "en", *(["vervallen"] if has_vervallen else [])]
        rows = [
            [
                f"`{c.code}`",
                *([c.kader or ""] if has_kader else []),
                c.nl,
                c.en,
                *([_retired(c.vervallen, c.vervangen_door)] if has_vervallen else []),
            ]
            for c in lijst.codes
        ]
        lines += [f"### `{naam}`: {lijst.omschrijving.en}", "", *_table(header, rows), ""]
    lines += ["## Norms", ""]
    lines += _table(
        ["norm", "anchor", "target date", "term", "counted in the month of", "description (en)"],
        [
            [f"`{n.code}`", n.anker, n.doel, f"{n.termijn} {n.eenheid}", n.telmaand, n.omschrijving.en]
            for n in defs.normen.normen
        ],
    )
    lines += [
        "",
        "Caseload norms per GI (`*`: every GI) and kader, with validity dates "
        "(`referentie/caseloadnormen.csv`): the norm in toegewezen measures per FTE, the target "
        "band in children per FTE.",
        "",
        *_table(
            ["organisatie_code", "kader", "geldig_van", "geldig_tot", "norm per FTE", "children per FTE"],
            [
                [
                    f"`{r.organisatie_code}`",
                    r.kader,
                    str(r.geldig_van),
                    str(r.geldig_tot or ""),
                    _getal(r.norm_per_fte),
                    f"{_getal(r.streef_kinderen_min)}-{_getal(r.streef_kinderen_max)}"
                    if r.streef_kinderen_min is not None
                    else "",
                ]
                for r in caseloadnormen_rows(defs)
            ],
        ),
        "",
        "## Working days (norm 1)",
        "",
        f"{defs.werkdagen.grondslag}. Working days: {', '.join(defs.werkdagen.werkdagen)}, except:",
        "",
    ]
    for fd in defs.werkdagen.feestdagen:
        if fd.regel == "pasen":
            rule = f"Easter Sunday {fd.dagen_na_pasen:+d} days"
        else:
            rule = f"{fd.dag:02d}-{fd.maand:02d}" + (
                f" ({fd.als_zondag_dagen:+d} day when a Sunday)" if fd.als_zondag_dagen else ""
            )
        lines.append(f"- {fd.naam}: {rule}")
    brug = ", ".join(b.datum.isoformat() for b in defs.brugdagen) or "none listed"
    lines += [f"- Bridge days by decree (`referentie/{defs.werkdagen.brugdagen}`): {brug}", ""]
    lines += ["## Organisations", ""]
    regions = defaultdict(list)
    for w in defs.werkgebieden:
        regions[w.organisatie_code].append(w.jeugdregio_code)
    lines += _table(
        ["code", "name", "type", "jeugdregio's served"],
        [
            [f"`{o.organisatie_code}`", o.organisatie_naam, o.organisatie_type, ", ".join(regions[o.organisatie_code])]
            for o in defs.organisaties
        ],
    )
    lines += ["", "## Jeugdregio's and municipalities", ""]
    by_region: dict[tuple[str, str], list[str]] = defaultdict(list)
    for g in defs.gemeenten:
        validity = ""
        if g.geldig_van or g.geldig_tot:
            validity = f" ({g.geldig_van or '…'} to {g.geldig_tot or '…'})"
        by_region[(g.jeugdregio_code, g.jeugdregio_naam)].append(f"{g.gemeente_naam} `{g.gemeente_code}`{validity}")
    lines += _table(
        ["jeugdregio_code", "name", "municipalities"],
        [[f"`{code}`", naam, "; ".join(sorted(gs))] for (code, naam), gs in sorted(by_region.items())],
    )
    lines.append("")
    return "\n".join(lines)


def write_dictionary(defs: Definitions | None = None, check: bool = False) -> list[Path]:
    """Regenerate the dictionary; return the files that were (or, with check, are) stale."""
    defs = defs or load_definitions()
    return write_generated({DICTIONARY_PATH: render_markdown(defs)}, check)


def write_generated(wanted: dict[Path, str], check: bool) -> list[Path]:
    """Write generated documents whose text differs; return those (with `check`, only report them)."""
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if not check:
        for path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted[path], encoding="utf-8")
    return stale


def _getal(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
