"""Expectation suites generated from `definitions/`, never written by hand.

`build_suite(defs, bron)` gives the GX suite `ketenmonitor.<bron>`: one file-level expectation per
file rule, then one row expectation per rule that applies to a column of the bron, naming those
columns (`kolommen`) and what the rule asks of each (`meta.eisen`, columns with the same requirement
together), in the order of the definitions (general rules first, then the bron's own). The columns
come from `Definitions.kolommen_voor_regel`, so a rule reaches a new column through its attributes
without a code change. The result of a row expectation names each failing column with its count and
first row numbers.

ALG-PRIV-001 (no BSN anywhere) checks every value of a delivery, also in columns the contract does
not know. The suite cannot list those in advance, so its `kolommen` end in `"*"`: every column of the
delivery the suite does not name. That keeps the suite static, reviewable and identical for every
delivery. Adding expectations per delivery at run time would make the suite in the GX project differ
from the one the governance board approved.

`ketenmonitor.bestand` is the minimal suite for a delivery whose bron is unknown (a misplaced
file, an unknown organisation folder): only the checks made before reading.

`write_suites` writes every suite as stable JSON (sorted keys, GX's random ids removed) into
`expectations/suites/`, where the board reviews them in version control; `stale_suites` lists the
files that differ from what the definitions generate now (a test fails on them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import great_expectations as gx

from expectations.gx.expectations import (
    OTHER_COLUMNS,
    SEVERITY,
    ExpectDeliveryToPassKetenmonitorRule,
    ExpectRowsToPassKetenmonitorRule,
)
from sources.definitions import PRE_READ_CHECKS, ROW_CHECKS, Definitions, Regel

SUITE_PREFIX = "ketenmonitor"
FILE_SUITE = f"{SUITE_PREFIX}.bestand"
SUITES_DIR = Path(__file__).resolve().parent / "suites"


def suite_name(bron: str) -> str:
    return f"{SUITE_PREFIX}.{bron}"


def is_file_rule(regel: Regel) -> bool:
    return regel.controle not in ROW_CHECKS


def _param_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def requirement(defs: Definitions, bron: str | None, regel: Regel, kolom: str | None) -> dict[str, str]:
    """What the rule asks of the column, as a short positive phrase in Dutch and English.

    "niet meer dan 7 dagen voor datum_uitspraak" reads better for a board member than the failure
    message; file rules use their `omschrijving` from the definitions.
    """
    p = {k: _param_text(v) for k, v in regel.parameters().items() if v is not None}
    b = defs.bronnen.get(bron) if bron else None
    kolomtype = defs.typen[b.kolom(kolom).type] if b is not None and kolom in b.kolomnamen else None
    match regel.controle:
        case "geen_bsn":
            return {"nl": "geen waarde die op een BSN lijkt", "en": "no value that looks like a BSN"}
        case "type" if kolomtype is not None:
            nl, en = (t.split(";")[0] for t in (kolomtype.omschrijving.nl, kolomtype.omschrijving.en))
            return {
                "nl": f"elke waarde is te lezen als {_lower_first(nl)}",
                "en": f"every value parses as {_lower_first(en)}",
            }
        case "verplicht":
            return {"nl": "altijd gevuld", "en": "always filled"}
        case "codelijst" if b is not None:
            lijst = b.kolom(kolom).codelijst
            codes = ", ".join(defs.codelijsten[lijst].waarden)
            return {
                "nl": f"een code uit codelijst {lijst} ({codes})",
                "en": f"a code from code list {lijst} ({codes})",
            }
        case "patroon" if kolomtype is not None:
            return {"nl": f"voldoet aan {kolomtype.patroon}", "en": f"matches {kolomtype.patroon}"}
        case "referentie" if kolomtype is not None:
            return {
                "nl": f"staat in referentie/{kolomtype.referentie}.csv",
                "en": f"is listed in referentie/{kolomtype.referentie}.csv",
            }
        case "niet_na_peildatum":
            return {"nl": "niet na de peildatum van de levering", "en": "not after the delivery's peildatum"}
        case "uniek" if regel.samen_met:
            kolommen = ", ".join([regel.kolom, *regel.samen_met])
            return {
                "nl": f"de combinatie {kolommen} is uniek binnen de levering (een lege waarde telt mee)",
                "en": f"the combination {kolommen} is unique within the delivery (an empty value counts)",
            }
        case "uniek":
            return {"nl": "uniek binnen de levering", "en": "unique within the delivery"}
        case "jaren_voor_datum":
            ref = p["referentie_kolom"]
            groep = (
                regel.groep_kolom if regel.groep_kenmerk is None else f"{regel.groep_kenmerk} van {regel.groep_kolom}"
            )
            group = (
                regel.groep_kolom
                if regel.groep_kenmerk is None
                else f"the {regel.groep_kenmerk} of {regel.groep_kolom}"
            )
            nl = f"het jaar van {ref} min {kolom or regel.kolom} ligt in {regel.bereik_tekst()}"
            en = f"the year of {ref} minus {kolom or regel.kolom} lies within {regel.bereik_tekst()}"
            if regel.bereiken:
                nl += f" (per {groep})"
                en += f" (by {group})"
            return {"nl": nl, "en": en}
        case "verplicht_tenzij":
            vk, waarden = p["voorwaarde_kolom"], ", ".join(regel.waarden)
            return {"nl": f"gevuld, behalve als {vk} {waarden} is", "en": f"filled unless {vk} is {waarden}"}
        case "vervallen_code" if b is not None:
            lijst = defs.codelijsten[b.kolom(kolom).codelijst]
            codes = ", ".join(f"{c} -> {lijst.vervangingen.get(c, c)}" for c in lijst.vervallen)
            return {
                "nl": f"geen vervallen code ({codes}); een vervallen code wordt gelezen als haar vervanging",
                "en": f"no vervallen (retired) code ({codes}); one is read as its replacement",
            }
        case "jaren_voor_peildatum":
            return {
                "nl": f"{p['min_jaren']} tot {p['max_jaren']} jaar voor het jaar van de peildatum",
                "en": f"{p['min_jaren']} to {p['max_jaren']} years before the peildatum's year",
            }
        case "niet_voor":
            marge, ref = int(p["marge_dagen"]), p["referentie_kolom"]
            if marge < 0:
                return {
                    "nl": f"niet meer dan {-marge} dagen voor {ref}",
                    "en": f"not more than {-marge} days before {ref}",
                }
            if marge > 0:
                return {"nl": f"minstens {marge} dagen na {ref}", "en": f"at least {marge} days after {ref}"}
            return {"nl": f"niet voor {ref}", "en": f"not before {ref}"}
        case "gevuld_precies_als":
            vk = p["voorwaarde_kolom"]
            if "voorwaarde_waarde" in p:
                w = p["voorwaarde_waarde"]
                return {"nl": f"gevuld precies als {vk} {w} is", "en": f"filled exactly when {vk} is {w}"}
            return {"nl": f"gevuld precies als {vk} gevuld is", "en": f"filled exactly when {vk} is filled"}
        case "bereik":
            bounds = [
                ("minimaal", "minstens", "at least"),
                ("maximaal", "hoogstens", "at most"),
                ("groter_dan", "groter dan", "greater than"),
                ("kleiner_dan", "kleiner dan", "less than"),
            ]
            nl = [f"{w_nl} {p[k]}" for k, w_nl, _ in bounds if k in p]
            en = [f"{w_en} {p[k]}" for k, _, w_en in bounds if k in p]
            return {"nl": " en ".join(nl), "en": " and ".join(en)}
        case "maandeinde":
            return {"nl": "de laatste dag van een maand", "en": "the last day of a month"}
        case "max_duur_dagen":
            ref, dagen = p["referentie_kolom"], p["max_dagen"]
            nl = f"hoogstens {dagen} dagen na {ref} (een lege waarde telt tot de peildatum)"
            en = f"at most {dagen} days after {ref} (an empty value counts up to the peildatum)"
            if regel.behalve_kolom and regel.behalve_waarden:
                waarden = ", ".join(regel.behalve_waarden)
                nl += f", behalve {regel.behalve_kolom} {waarden}"
                en += f", except {regel.behalve_kolom} {waarden}"
            return {"nl": nl, "en": en}
        case "peildatum_niet_in_toekomst":
            zone = defs.instellingen.planning.tijdzone
            return {
                "nl": f"de peildatum ligt niet na vandaag (de datum in {zone})",
                "en": f"the peildatum is not after today (the date in {zone})",
            }
        case "binnen_limieten":
            # The limits in the suite, so that a changed limit shows up in the reviewed JSON.
            lim = {k: _param_text(v) for k, v in defs.instellingen.limieten.model_dump().items()}
            return {
                "nl": f"hoogstens {lim['max_bestand_mb']} MB, {lim['max_rijen']} rijen en {lim['max_kolommen']} "
                f"kolommen; een xlsx uitgepakt hoogstens {lim['xlsx_max_uitgepakt_mb']} MB en geen deel meer dan "
                f"{lim['xlsx_max_compressieverhouding']} keer zo groot als ingepakt; een parquet uitgepakt en als "
                f"tekst hoogstens {lim['parquet_max_uitgepakt_mb']} MB",
                "en": f"at most {lim['max_bestand_mb']} MB, {lim['max_rijen']} rows and {lim['max_kolommen']} "
                f"columns; an xlsx unpacked at most {lim['xlsx_max_uitgepakt_mb']} MB and no part more than "
                f"{lim['xlsx_max_compressieverhouding']} times its packed size; a parquet unpacked and as text at "
                f"most {lim['parquet_max_uitgepakt_mb']} MB",
            }
        case "niet_leeg":
            return {
                "nl": "minstens één record (een levering is een volledige momentopname)",
                "en": "at least one record (a delivery is a full snapshot)",
            }
        case "exacte_kolommen" if b is not None:
            kolommen = ", ".join(b.kolomnamen)
            nl = f"precies de kolommen {kolommen}; geen ontbrekende, onbekende of dubbele kolom"
            en = f"exactly the columns {kolommen}; no missing, unknown or repeated column"
            if b.optionele_kolomnamen:
                optioneel = ", ".join(b.optionele_kolomnamen)
                nl += f" (optioneel, mag ontbreken: {optioneel})"
                en += f" (optional, may be left out: {optioneel})"
            return {"nl": nl, "en": en}
        case "verboden_kolomnamen":
            patronen = ", ".join(regel.patronen)
            return {
                "nl": f"geen kolomnaam die een van deze woorden bevat: {patronen}",
                "en": f"no column name containing any of: {patronen}",
            }
        case "aantal_rijen_verandering":
            pct = _param_text(defs.instellingen.aanlevering.max_verandering_aantal_rijen_pct)
            return {
                "nl": f"hoogstens {pct}% meer of minder records dan de vorige geaccepteerde levering",
                "en": f"at most {pct}% more or fewer records than the previous accepted delivery",
            }
    if regel.omschrijving is not None:
        return {"nl": regel.omschrijving.nl, "en": regel.omschrijving.en}
    return {"nl": regel.melding.nl, "en": regel.melding.en}


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _requirements(defs: Definitions, bron: str, regel: Regel, kolommen: list[str]) -> list[dict[str, Any]]:
    """What the rule asks of its columns: columns with the same requirement together, in column order."""
    eisen: list[dict[str, Any]] = []
    for kolom in kolommen:
        eis = requirement(defs, bron, regel, None if kolom == OTHER_COLUMNS else kolom)
        same = next((e for e in eisen if (e["nl"], e["en"]) == (eis["nl"], eis["en"])), None)
        if same is None:
            eisen.append({"kolommen": [kolom], **eis})
        else:
            same["kolommen"].append(kolom)
    return eisen


def _meta(defs: Definitions, bron: str | None, regel: Regel, kolommen: list[str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"ernst": regel.ernst}
    if kolommen is None:
        meta["eis"] = requirement(defs, bron, regel, None)
    else:
        meta["eisen"] = _requirements(defs, bron, regel, kolommen)
    meta["melding"] = {"nl": regel.melding.nl, "en": regel.melding.en}
    if regel.omschrijving is not None:
        meta["omschrijving"] = {"nl": regel.omschrijving.nl, "en": regel.omschrijving.en}
    params = regel.parameters()
    if params:
        # In the suite so that a changed threshold shows up in the reviewed JSON.
        meta["parameters"] = params
    return meta


def _file_expectation(defs: Definitions, bron: str | None, regel: Regel) -> ExpectDeliveryToPassKetenmonitorRule:
    return ExpectDeliveryToPassKetenmonitorRule(
        regel_code=regel.code,
        controle=regel.controle,
        ernst=regel.ernst,
        bron=bron,
        severity=SEVERITY[regel.ernst],
        meta=_meta(defs, bron, regel),
    )


def _row_expectation(
    defs: Definitions, bron: str, regel: Regel, kolommen: list[str]
) -> ExpectRowsToPassKetenmonitorRule:
    return ExpectRowsToPassKetenmonitorRule(
        regel_code=regel.code,
        kolommen=kolommen,
        controle=regel.controle,
        ernst=regel.ernst,
        bron=bron,
        severity=SEVERITY[regel.ernst],
        meta=_meta(defs, bron, regel, kolommen),
    )


def suite_meta(defs: Definitions, bron: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "gegenereerd_uit": "definitions/ (expectations/suites.py); niet met de hand wijzigen / do not edit by hand",
        "definities_versie": defs.versie,
        "contract_versie": defs.instellingen.contract_versie,
        "bron": bron,
    }
    if bron is not None:
        b = defs.bronnen[bron]
        meta["omschrijving"] = {"nl": b.omschrijving.nl, "en": b.omschrijving.en}
        meta["kolommen"] = b.kolomnamen
    return meta


def build_suite(defs: Definitions, bron: str) -> gx.ExpectationSuite:
    """The suite `ketenmonitor.<bron>`: every rule that applies to the bron, file rules first."""
    regels = list(defs.algemene_regels) + list(defs.bronnen[bron].regels)
    expectations: list[Any] = [_file_expectation(defs, bron, r) for r in regels if is_file_rule(r)]
    for regel in regels:
        if is_file_rule(regel):
            continue
        kolommen = [k.naam for k in defs.kolommen_voor_regel(bron, regel)]
        if regel.controle == "geen_bsn":
            kolommen.append(OTHER_COLUMNS)
        if kolommen:
            expectations.append(_row_expectation(defs, bron, regel, kolommen))
    # Built without a data context (no add_expectation): the suite is pure data until the adapter stores it.
    return gx.ExpectationSuite(name=suite_name(bron), expectations=expectations, meta=suite_meta(defs, bron))


def build_file_suite(defs: Definitions) -> gx.ExpectationSuite:
    """`ketenmonitor.bestand`: the checks made before reading, for a delivery without a known bron."""
    expectations = [_file_expectation(defs, None, r) for r in defs.algemene_regels if r.controle in PRE_READ_CHECKS]
    return gx.ExpectationSuite(name=FILE_SUITE, expectations=expectations, meta=suite_meta(defs, None))


def build_suites(defs: Definitions) -> dict[str, gx.ExpectationSuite]:
    """Every suite by name: one per bron plus the file-only suite."""
    suites = {suite_name(bron): build_suite(defs, bron) for bron in sorted(defs.bronnen)}
    suites[FILE_SUITE] = build_file_suite(defs)
    return suites


def suite_dict(suite: gx.ExpectationSuite) -> dict[str, Any]:
    """The suite as a plain dict without GX's generated ids and empty fields: identical on every run."""
    data = json.loads(json.dumps(suite.to_json_dict()))
    data.pop("id", None)
    # The GX patch version would make every committed suite stale on an upgrade that changes nothing.
    data.get("meta", {}).pop("great_expectations_version", None)
    if data.get("notes") is None:
        data.pop("notes", None)
    for expectation in data.get("expectations", []):
        expectation.pop("id", None)
        for key in ("rendered_content", "notes", "description"):
            if expectation.get(key) is None:
                expectation.pop(key, None)
    return data


def suite_json(suite: gx.ExpectationSuite) -> str:
    return json.dumps(suite_dict(suite), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _expected_files(defs: Definitions, folder: Path) -> dict[Path, str]:
    return {folder / f"{name}.json": suite_json(suite) for name, suite in build_suites(defs).items()}


def write_suites(defs: Definitions, folder: Path = SUITES_DIR) -> list[Path]:
    """Write every generated suite as `<folder>/<suite name>.json`; remove suites no longer generated."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    expected = _expected_files(defs, folder)
    for path in folder.glob(f"{SUITE_PREFIX}.*.json"):
        if path not in expected:
            path.unlink()
    for path, text in expected.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return sorted(expected)


def stale_suites(defs: Definitions, folder: Path = SUITES_DIR) -> list[Path]:
    """Suite files that differ from what the definitions generate (missing, changed or left over)."""
    folder = Path(folder)
    expected = _expected_files(defs, folder)
    stale = [p for p, text in expected.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    stale += [p for p in folder.glob(f"{SUITE_PREFIX}.*.json") if p not in expected]
    return sorted(stale)


def main() -> None:
    """`python -m expectations.gx.suites`: regenerate expectations/suites/ after a change to definitions/."""
    from sources.definitions import load_definitions

    for path in write_suites(load_definitions()):
        print(path)


if __name__ == "__main__":
    main()
