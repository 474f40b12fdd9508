"""The harmonised definitions load, match the contract, and reject malformed files clearly."""

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from marts.catalog import write_marts_doc
from sources.definitions import DefinitionsError, load_definitions
from sources.definitions.dictionary import write_dictionary
from sources.definitions.werkdagen import Werkdagkalender, feestdagen

# The seed list of municipalities and jeugdregio codes the contract was agreed on.
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "gemeenten_seed_regions.csv"

# docs/contract.md section 2, copied by hand: the definitions must say the same.
CONTRACT_COLUMNS = {
    "gi_maatregelen": "maatregel_id kind_id gemeente_code geboortejaar maatregel_type datum_uitspraak "
    "datum_in_kennisstelling datum_jeugdbeschermer datum_plan_van_aanpak datum_passende_hulp datum_einde "
    "reden_einde datum_start_bij_gi scheidingsproblematiek sleutel_vingerafdruk",
    "gi_capaciteit": "peildatum fte_jeugdbeschermer fte_jeugdreclasseerder instroom_medewerkers "
    "uitstroom_medewerkers verzuim_pct",
    "vt_meldingen": "melding_id kind_id gemeente_code geboortejaar soort datum_ontvangst datum_afgerond vervolg "
    "datum_verzoek_rvdk sleutel_vingerafdruk",
    "rvdk_onderzoeken": "onderzoek_id kind_id gemeente_code geboortejaar soort datum_verzoek datum_start "
    "datum_afgerond uitkomst datum_rekest datum_spoedverzoek verzoeker sleutel_vingerafdruk",
}
# Columns the contract marks "or empty"; all others are required.
CONTRACT_OPTIONAL = {
    "gi_maatregelen": {
        "datum_jeugdbeschermer",
        "datum_plan_van_aanpak",
        "datum_passende_hulp",
        "datum_einde",
        "reden_einde",
        "datum_start_bij_gi",
        "scheidingsproblematiek",
        "sleutel_vingerafdruk",
    },
    "gi_capaciteit": set(),
    "vt_meldingen": {
        "kind_id",
        "geboortejaar",
        "datum_afgerond",
        "vervolg",
        "datum_verzoek_rvdk",
        "sleutel_vingerafdruk",
    },
    "rvdk_onderzoeken": {
        "datum_start",
        "datum_afgerond",
        "uitkomst",
        "datum_rekest",
        "datum_spoedverzoek",
        "verzoeker",
        "sleutel_vingerafdruk",
    },
}
# Columns the contract marks "optional column" (contract version 2): they may be left out of the file.
CONTRACT_LEFT_OUT = {
    "gi_maatregelen": ["datum_start_bij_gi", "sleutel_vingerafdruk"],
    "gi_capaciteit": [],
    "vt_meldingen": ["sleutel_vingerafdruk"],
    "rvdk_onderzoeken": ["datum_spoedverzoek", "verzoeker", "sleutel_vingerafdruk"],
}


@pytest.fixture(scope="module")
def defs():
    return load_definitions()


def test_bronnen_have_the_contract_columns(defs):
    assert set(defs.bronnen) == set(CONTRACT_COLUMNS)
    for bron, columns in CONTRACT_COLUMNS.items():
        assert defs.bronnen[bron].kolomnamen == columns.split()
        optional = {k.naam for k in defs.bronnen[bron].kolommen if not k.verplicht}
        assert optional == CONTRACT_OPTIONAL[bron], bron
        assert defs.bronnen[bron].optionele_kolomnamen == CONTRACT_LEFT_OUT[bron], bron


def test_version_and_keys(defs):
    assert (defs.versie, defs.instellingen.contract_versie) == ("2.1.0", 2)
    assert defs.bronnen["vt_meldingen"].sleutel == ["melding_id", "kind_id"]
    for bron in ("gi_maatregelen", "gi_capaciteit", "rvdk_onderzoeken"):
        assert defs.bronnen[bron].sleutel == [defs.bronnen[bron].record_id]


def test_code_lists_and_kader(defs):
    jb = {c.code for c in defs.codelijsten["maatregel_type"].codes if c.kader == "JB"}
    jr = {c.code for c in defs.codelijsten["maatregel_type"].codes if c.kader == "JR"}
    assert jb == {"OTS", "VOORLOPIGE_OTS", "VOOGDIJ", "VOORLOPIGE_VOOGDIJ"}
    assert jr == {"JR_TOEZICHT_BEGELEIDING", "JR_GBM", "JR_ITB_HARDE_KERN", "JR_ITB_CRIEM", "JR_SAMENLOOP"}
    assert defs.codelijsten["reden_einde"].waarden == [
        "DOEL_BEREIKT",
        "MEERDERJARIG",
        "OMGEZET",
        "OVERGEDRAGEN",
        "VERHUISD",
        "OVERIG",
    ]
    # Version 1's VERHUISD stays accepted, retired, read as OVERGEDRAGEN.
    assert defs.codelijsten["reden_einde"].vervallen == ["VERHUISD"]
    assert defs.codelijsten["reden_einde"].vervangingen == {"VERHUISD": "OVERGEDRAGEN"}
    assert defs.codelijsten["uitkomst"].waarden == ["VERZOEK_MAATREGEL", "GEEN_MAATREGEL", "OVERIG"]
    assert defs.codelijsten["verzoeker"].waarden == ["VEILIG_THUIS", "GEMEENTE", "OM", "RECHTER", "OVERIG"]


def test_every_seed_municipality_is_shipped_with_its_region(defs):
    shipped = {(g.gemeente_code, g.jeugdregio_code) for g in defs.gemeenten}
    with SEED.open(encoding="utf-8") as fh:
        seed = {(r["gemeente_code"], r["jeugdregio_code"]) for r in csv.DictReader(fh)}
    assert len(seed) == 85
    assert seed <= shipped


def test_contract_organisations(defs):
    types = {o.organisatie_code: o.organisatie_type for o in defs.organisaties}
    for code in ["JBGL", "WSS", "LJR", "JVV", "DJGB", "JBOV", "JBRR"]:
        assert types[code] == "GI"
    for code in ["VT_NOG", "VT_GM", "VT_GZ", "VT_TWENTE", "VT_KENNEMERLAND", "VT_NHN"]:
        assert types[code] == "VT"
    assert types["RVDK"] == "RVDK"
    assert defs.bronnen_voor("VT") == ["vt_meldingen"]
    assert sorted(defs.bronnen_voor("GI")) == ["gi_capaciteit", "gi_maatregelen"]


def test_settings_and_norms(defs):
    assert defs.instellingen.monitor_startdatum == date(2019, 1, 1)
    assert defs.instellingen.onderdrukking.drempel == 10
    n1, n2, n3 = (defs.normen.norm(c) for c in ["NORM_1_VIJF_WERKDAGEN", "NORM_2_ZES_WEKEN", "NORM_3_DRIE_MAANDEN"])
    assert (n1.termijn, n1.eenheid, n1.anker) == (5, "werkdagen", "datum_in_kennisstelling")
    assert (n2.termijn, n2.eenheid) == (42, "dagen")
    assert (n3.termijn, n3.eenheid) == (3, "maanden")
    # The caseload norms are one reference file; the contract's defaults: JB 15 measures per FTE
    # and 12-14 children per FTE, for every GI from the monitor's start.
    from sources.definitions.reference import caseloadnormen_rows

    default = [r for r in caseloadnormen_rows(defs) if r.organisatie_code == "*" and r.kader == "JB"]
    assert [
        (r.geldig_van, r.geldig_tot, r.norm_per_fte, r.streef_kinderen_min, r.streef_kinderen_max) for r in default
    ] == [(date(2019, 1, 1), None, 15, 12, 14)]


def test_rule_codes_are_unique_and_severities_known(defs):
    codes = [r.code for r in defs.alle_regels()]
    assert len(codes) == len(set(codes))
    assert {r.ernst for r in defs.alle_regels()} == {"error", "warning"}
    assert defs.regel("GIM-008").controle == "gevuld_precies_als"


@pytest.mark.parametrize(
    ("jaar", "expected"),
    [
        # Easter 2024 is 31 March; 2021 is not divisible by 5, yet 5 mei counts.
        (2024, {date(2024, 3, 29), date(2024, 4, 1), date(2024, 5, 9), date(2024, 5, 20)}),
        (2021, {date(2021, 5, 5), date(2021, 4, 27), date(2021, 5, 13)}),
        # 27 April 2025 is a Sunday: Koningsdag moves to Saturday the 26th.
        (2025, {date(2025, 4, 26)}),
    ],
)
def test_holidays(defs, jaar, expected):
    days = feestdagen(defs, jaar)
    assert expected <= set(days)
    assert date(jaar, 12, 25) in days and date(jaar, 12, 26) in days and date(jaar, 1, 1) in days


def test_working_days(defs):
    k = Werkdagkalender(defs, 2019, 2026)
    # Thursday 28 March 2024: Goede Vrijdag, the weekend and Tweede Paasdag are skipped.
    assert k.plus_werkdagen(date(2024, 3, 28), 5) == date(2024, 4, 8)
    # Monday 25 April 2022: Koningsdag (Wed 27th) skipped; 5 mei (Thu) counts as non-working too.
    assert k.plus_werkdagen(date(2022, 4, 25), 5) == date(2022, 5, 3)
    assert k.plus_werkdagen(date(2022, 5, 4), 1) == date(2022, 5, 6)
    # Hemelvaartsdag 2023 is Thursday 18 May.
    assert k.plus_werkdagen(date(2023, 5, 15), 5) == date(2023, 5, 23)
    assert k.reden_vrij(date(2023, 5, 18)) == "Hemelvaartsdag"
    assert k.is_werkdag(date(2023, 5, 19))


def test_data_dictionary_is_up_to_date():
    stale = write_dictionary(check=True) + write_marts_doc(check=True)
    assert stale == [], f"run `ketenmonitor dictionary`: stale {stale}"


# --- malformed definitions -----------------------------------------------------------


@pytest.fixture
def broken(tmp_path):
    root = tmp_path / "definitions"
    shutil.copytree(load_definitions().root, root)
    return root


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_column_type_is_named(broken):
    _replace(broken / "bronnen" / "vt_meldingen.yaml", "type: date", "type: datum")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert exc.value.file.endswith("bronnen/vt_meldingen.yaml")
    assert exc.value.key == "kolommen[5].type"
    assert "unknown type 'datum'" in str(exc.value)


def test_invalid_yaml_names_the_line(broken):
    path = broken / "normen.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert exc.value.file.endswith("normen.yaml")
    assert exc.value.key.startswith("line ")
    assert "not valid YAML" in exc.value.problem


def test_bad_value_names_the_key(broken):
    _replace(broken / "instellingen.yaml", "drempel: 10", "drempel: tien")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert exc.value.key == "onderdrukking.drempel"
    assert "integer" in exc.value.problem


def test_rule_on_unknown_column(broken):
    _replace(
        broken / "bronnen" / "gi_maatregelen.yaml", "referentie_kolom: datum_uitspraak", "referentie_kolom: datum_start"
    )
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert "referentie_kolom 'datum_start' is not a column of gi_maatregelen" in exc.value.problem


def test_unknown_rule_check(broken):
    _replace(broken / "bronnen" / "gi_capaciteit.yaml", "controle: maandeinde", "controle: maand_einde")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert exc.value.file.endswith("gi_capaciteit.yaml")
    assert exc.value.key.startswith("regels[1]")


def test_duplicate_rule_code(broken):
    _replace(broken / "bronnen" / "vt_meldingen.yaml", "code: VTM-006", "code: VTM-001")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert "VTM-001" in exc.value.key and "also used" in exc.value.problem


def test_bad_municipality_row_names_the_row(broken):
    _replace(broken / "referentie" / "gemeenten.csv", "GM0216,Culemborg", "G0216,Culemborg")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert exc.value.file.endswith("gemeenten.csv")
    assert exc.value.key == "row 3, column gemeente_code"


def test_missing_file(broken):
    (broken / "codelijsten.yaml").unlink()
    with pytest.raises(DefinitionsError, match="codelijsten.yaml: .*file is missing"):
        load_definitions(broken)


def test_environment_variable_selects_the_folder(broken, monkeypatch):
    _replace(broken / "instellingen.yaml", "drempel: 10", "drempel: 5")
    monkeypatch.setenv("KETENMONITOR_DEFINITIONS_DIR", str(broken))
    assert load_definitions().instellingen.onderdrukking.drempel == 5


def test_optional_column_cannot_be_required(broken):
    _replace(
        broken / "bronnen" / "gi_maatregelen.yaml",
        "    verplicht: false\n    optioneel: true",
        "    verplicht: true\n    optioneel: true",
    )
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert "an optioneel column cannot be verplicht" in exc.value.problem


def test_replacement_must_be_a_current_code(broken):
    _replace(broken / "codelijsten.yaml", "vervangen_door: OVERGEDRAGEN", "vervangen_door: VERDWENEN")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert exc.value.file.endswith("codelijsten.yaml")
    assert "'VERDWENEN' is not a current code" in exc.value.problem


def test_age_range_group_must_exist(broken):
    _replace(broken / "bronnen" / "gi_maatregelen.yaml", "      JR: {min_jaren: 12", "      JX: {min_jaren: 12")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert exc.value.key.endswith("bereiken")
    assert "unknown group(s) JX" in exc.value.problem


def test_key_must_match_the_uniqueness_rule(broken):
    _replace(broken / "bronnen" / "vt_meldingen.yaml", "sleutel: [melding_id, kind_id]", "sleutel: [melding_id]")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert "VTM-001" in exc.value.problem and "sleutel" in exc.value.problem


def test_begrippen_are_optional(broken):
    (broken / "begrippen.yaml").unlink(missing_ok=True)
    assert load_definitions(broken).begrippen == []
    (broken / "begrippen.yaml").write_text(
        "begrippen:\n  - naam: traject\n    uitleg: A run of measures.\n    voorbeeld: OTS then voogdij.\n",
        encoding="utf-8",
    )
    begrippen = load_definitions(broken).begrippen
    assert [(b.naam, b.voorbeeld) for b in begrippen] == [("traject", "OTS then voogdij.")]
    (broken / "begrippen.yaml").write_text("begrippen:\n  - naam: traject\n", encoding="utf-8")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(broken)
    assert exc.value.file.endswith("begrippen.yaml") and "uitleg" in exc.value.key
