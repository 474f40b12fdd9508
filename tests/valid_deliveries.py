"""Hand-written valid deliveries, one per bron (peildatum 2024-03-31), shared by the rule and GX tests.

Each is (organisation, header, rows); tests change single cells to break one rule at a time.
`VALID` has the layouts of contract version 1 (without the optional columns), which stay valid;
`VALID_V2` uses what version 2 adds: the optional columns, a measure taken over from another GI,
two children of one melding and an anonymous advice request.
"""

import hashlib
from pathlib import Path

PEILDATUM = "2024-03-31"
KIND = [hashlib.sha256(f"kind-{i}".encode()).hexdigest() for i in range(4)]

VALID: dict[str, tuple[str, list[str], list[list[str]]]] = {
    "gi_maatregelen": (
        "JBGL",
        ["maatregel_id", "kind_id", "gemeente_code", "geboortejaar", "maatregel_type", "datum_uitspraak",
         "datum_in_kennisstelling", "datum_jeugdbeschermer", "datum_plan_van_aanpak", "datum_passende_hulp",
         "datum_einde", "reden_einde", "scheidingsproblematiek"],
        [
            ["M1", KIND[0], "GM0214", "2015", "OTS", "2024-01-10", "2024-01-11", "2024-01-15", "2024-02-10",
             "2024-03-01", "", "", "ja"],
            ["M2", KIND[1], "GM0216", "2010", "JR_GBM", "2023-05-01", "2023-05-02", "2023-05-05", "2023-06-01",
             "2023-06-15", "2024-02-29", "DOEL_BEREIKT", "nee"],
            ["M3", KIND[0], "GM0263", "2008", "VOOGDIJ", "2022-11-30", "2022-12-01", "", "", "", "", "", ""],
        ],
    ),
    "gi_capaciteit": (
        "WSS",
        ["peildatum", "fte_jeugdbeschermer", "fte_jeugdreclasseerder", "instroom_medewerkers",
         "uitstroom_medewerkers", "verzuim_pct"],
        [
            ["2024-01-31", "120.5", "30", "3", "2", "6.1"],
            ["2024-02-29", "121", "30.25", "0", "1", "5.9"],
            ["2024-03-31", "119.75", "0", "1", "0", "100"],
        ],
    ),
    "vt_meldingen": (
        "VT_NOG",
        ["melding_id", "kind_id", "gemeente_code", "geboortejaar", "soort", "datum_ontvangst", "datum_afgerond",
         "vervolg", "datum_verzoek_rvdk"],
        [
            ["V1", KIND[0], "GM0214", "2014", "MELDING", "2024-01-05", "2024-02-01", "VERZOEK_ONDERZOEK_RVDK",
             "2024-02-01"],
            ["V2", KIND[1], "GM0216", "2012", "ADVIES", "2024-02-10", "2024-02-12", "GEEN_VERVOLG", ""],
            ["V3", KIND[2], "GM0263", "2019", "MELDING", "2024-03-20", "", "", ""],
        ],
    ),
    "rvdk_onderzoeken": (
        "RVDK",
        ["onderzoek_id", "kind_id", "gemeente_code", "geboortejaar", "soort", "datum_verzoek", "datum_start",
         "datum_afgerond", "uitkomst", "datum_rekest"],
        [
            ["R1", KIND[0], "GM0214", "2014", "BESCHERMINGSONDERZOEK", "2024-02-02", "2024-02-05", "2024-03-15",
             "VERZOEK_MAATREGEL", "2024-03-20"],
            ["R2", KIND[1], "GM0216", "2012", "STRAFONDERZOEK", "2024-01-10", "2024-01-12", "2024-02-20",
             "GEEN_MAATREGEL", ""],
            ["R3", KIND[2], "GM0263", "2019", "GEZAG_OMGANG", "2024-03-25", "", "", "", ""],
        ],
    ),
}  # fmt: skip


VALID_V2: dict[str, tuple[str, list[str], list[list[str]]]] = {
    "gi_maatregelen": (
        "JBGL",
        ["maatregel_id", "kind_id", "gemeente_code", "geboortejaar", "maatregel_type", "datum_uitspraak",
         "datum_in_kennisstelling", "datum_jeugdbeschermer", "datum_plan_van_aanpak", "datum_passende_hulp",
         "datum_einde", "reden_einde", "datum_start_bij_gi", "scheidingsproblematiek"],
        [
            ["M1", KIND[0], "GM0214", "2015", "OTS", "2024-01-10", "2024-01-11", "2024-01-15", "2024-02-10",
             "2024-03-01", "", "", "", "ja"],
            ["M2", KIND[1], "GM0216", "2010", "JR_GBM", "2023-05-01", "2023-05-02", "2023-05-05", "2023-06-01",
             "2023-06-15", "2024-02-29", "DOEL_BEREIKT", "", "nee"],
            # Taken over from another GI on 2024-02-01; help was already running before the uitspraak.
            ["M4", KIND[2], "GM0263", "2012", "OTS", "2023-09-01", "2024-02-01", "2024-02-05", "2024-03-01",
             "2023-08-15", "", "", "2024-02-01", ""],
        ],
    ),
    "gi_capaciteit": VALID["gi_capaciteit"],
    "vt_meldingen": (
        "VT_NOG",
        ["melding_id", "kind_id", "gemeente_code", "geboortejaar", "soort", "datum_ontvangst", "datum_afgerond",
         "vervolg", "datum_verzoek_rvdk"],
        [
            # One melding about two children: one row each.
            ["V1", KIND[0], "GM0214", "2014", "MELDING", "2024-01-05", "2024-02-01", "VERZOEK_ONDERZOEK_RVDK",
             "2024-02-01"],
            ["V1", KIND[3], "GM0214", "2016", "MELDING", "2024-01-05", "2024-02-01", "VERZOEK_ONDERZOEK_RVDK",
             "2024-02-01"],
            # An anonymous advice request: no kind_id, no geboortejaar.
            ["V2", "", "GM0216", "", "ADVIES", "2024-02-10", "2024-02-12", "GEEN_VERVOLG", ""],
        ],
    ),
    "rvdk_onderzoeken": (
        "RVDK",
        ["onderzoek_id", "kind_id", "gemeente_code", "geboortejaar", "soort", "datum_verzoek", "datum_start",
         "datum_afgerond", "uitkomst", "datum_rekest", "datum_spoedverzoek", "verzoeker"],
        [
            ["R1", KIND[0], "GM0214", "2014", "BESCHERMINGSONDERZOEK", "2024-02-02", "2024-02-05", "2024-03-15",
             "VERZOEK_MAATREGEL", "2024-03-20", "2024-02-06", "VEILIG_THUIS"],
            # A strafonderzoek of a 20-year-old (adolescentenstrafrecht).
            ["R2", KIND[1], "GM0216", "2004", "STRAFONDERZOEK", "2024-01-10", "2024-01-12", "2024-02-20",
             "GEEN_MAATREGEL", "", "", "OM"],
            ["R3", KIND[2], "GM0263", "2019", "GEZAG_OMGANG", "2024-03-25", "", "", "", "", "", ""],
        ],
    ),
}  # fmt: skip


def csv(header: list[str], rows: list[list[str]]) -> str:
    """A delivery's text: header and rows, comma-separated."""
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def deliver(root: Path, levering_id: str, text: str) -> None:
    """Put a delivery into the inbox of data dir `root` at `levering_id` (<org>/<bron>/<peildatum>.<ext>)."""
    path = root / "inbox" / levering_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
