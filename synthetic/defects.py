"""Defective deliveries: a valid snapshot one month after the last regular one, with one thing broken.

Each defect names the contract rules (definitions/regels_algemeen.yaml, bronnen/*.yaml) it
must trigger, and changes as little as possible so that it breaks only those. Where a
rule is a bron rule, the columns to break are read from the rule's definition. Defect
files are plain UTF-8 CSV (a text format is needed to carry an unparsable value).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sources.definitions import Bron, GevuldPreciesAlsRegel, NietVoorRegel, UniekRegel

from .dates import dag
from .population import fake_bsns
from .registraties import Registratie
from .simulatie import Simulatie
from .snapshots import Correctieplan, momentopname


@dataclass(frozen=True)
class Defect:
    path: Path
    organisatie_code: str
    bron: str
    regels: tuple[str, ...]
    omschrijving: str
    geaccepteerd: bool = False


@dataclass(frozen=True)
class _Soort:
    regels: tuple[str, ...]
    bron: str
    omschrijving: str
    breek: Callable[[pd.DataFrame, Bron, Simulatie, date], pd.DataFrame | bytes]
    # Deliver under an organisation of this type / an unknown code instead of the data's owner.
    afzender: str | None = None
    # Accepted with warnings: `regels` are warning rules; the delivery breaks no error rule.
    geaccepteerd: bool = False


def _as_text(table: pa.Table) -> pd.DataFrame:
    """The snapshot as text the way a CSV holds it: ISO dates, true/false, '' for empty."""
    columns = [pc.fill_null(pc.cast(table[name], pa.string()), "") for name in table.column_names]
    return pa.table(columns, names=table.column_names).to_pandas().astype(object)


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """The text table as comma CSV (pyarrow: much faster than pandas for national-scale files)."""
    table = pa.table({name: pa.array(df[name].tolist(), pa.string()) for name in df.columns})
    buffer = io.BytesIO()
    options = pacsv.WriteOptions(include_header=True, delimiter=",", quoting_style="none", quoting_header="none")
    pacsv.write_csv(table, buffer, options)
    return buffer.getvalue()


def _rule(bron: Bron, code: str):
    rule = next((r for r in bron.regels if r.code == code), None)
    if rule is None:  # definitions without this rule: the defect cannot be built
        raise LookupError(f"{bron.bron} has no rule {code}")
    return rule


def _first(mask: pd.Series) -> int:
    rows = np.flatnonzero(mask.to_numpy())
    if len(rows) == 0:
        raise LookupError("no row to break")
    return int(rows[0])


def _date_columns(sim: Simulatie, bron: Bron) -> list[str]:
    """Optional date columns that only have lower bounds: safe to move (the correction columns)."""
    return sim.params.correcties.kolommen.get(bron.bron, [])


def _extra_column(naam: str, waarde: Callable[[int], list[str]]):
    def breek(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
        df = df.copy()
        df[naam] = waarde(len(df))
        return df

    return breek


def _fake_names(n: int) -> list[str]:
    names = ["Daan", "Emma", "Noah", "Julia", "Sem", "Mila", "Lucas", "Tess", "Finn", "Sophie"]
    return [names[i % len(names)] for i in range(n)]


def _duplicate(code: str):
    """Row 1 gets the key of row 0 (all the rule's columns: with samen_met the combination is the key)."""

    def breek(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
        rule = _rule(bron, code)
        assert isinstance(rule, UniekRegel)
        kolommen = [rule.kolom, *rule.samen_met]
        filled = np.ones(len(df), dtype=bool)
        for kolom in kolommen:
            filled &= (df[kolom] != "").to_numpy()
        rows = np.flatnonzero(filled)
        if len(rows) < 2:
            raise LookupError("no rows to duplicate")
        df = df.copy()
        for kolom in kolommen:
            df.loc[rows[1], kolom] = df.loc[rows[0], kolom]
        return df

    return breek


def _samen(*breekers):
    """Several breaks in one delivery (an organisation delivers one file a month), each on its own row."""

    def breek(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
        for b in breekers:
            df = b(df, bron, sim, peil)
        return df

    return breek


def _set_on(kolom: str, where, value):
    """Set `kolom` on the first row where `where(df, sim)` holds, and no earlier break of this file
    touched, to `value(df, row)`."""

    def breek(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
        if kolom not in df.columns:
            raise LookupError(f"{kolom} is not delivered")
        touched = df.attrs.get("geraakt", set())
        mask = where(df, sim) & ~df.index.isin(list(touched))
        row = _first(mask)
        df = df.copy()
        df.loc[row, kolom] = value(df, row)
        df.attrs["geraakt"] = touched | {row}
        return df

    return breek


def _iso(df: pd.DataFrame, row: int, kolom: str) -> date:
    return date.fromisoformat(df.loc[row, kolom])


def _kader(df: pd.DataFrame, sim: Simulatie, kader: str) -> pd.Series:
    return df["maatregel_type"].map(lambda c: sim.defs.kader(c) == kader)


def _filled(*kolommen: str):
    def where(df: pd.DataFrame, sim: Simulatie) -> pd.Series:
        mask = pd.Series(True, index=df.index)
        for kolom in kolommen:
            mask &= df[kolom] != ""
        return mask

    return where


def _days_before(kolom: str, days: int):
    def value(df: pd.DataFrame, row: int) -> str:
        return (_iso(df, row, kolom) - timedelta(days=days)).isoformat()

    return value


def _lopend_jb(df: pd.DataFrame, sim: Simulatie) -> pd.Series:
    """A running JB measure that started at this GI: a changed date there touches no other rule."""
    start_bij_gi = df["datum_start_bij_gi"] if "datum_start_bij_gi" in df.columns else ""
    return _kader(df, sim, "JB") & (df["datum_einde"] == "") & (start_bij_gi == "")


def _before(code: str):
    def breek(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
        rule = _rule(bron, code)
        assert isinstance(rule, NietVoorRegel)
        row = _first((df[rule.kolom] != "") & (df[rule.referentie_kolom] != ""))
        df = df.copy()
        ref = date.fromisoformat(df.loc[row, rule.referentie_kolom])
        df.loc[row, rule.kolom] = (ref + timedelta(days=rule.marge_dagen - 30)).isoformat()
        return df

    return breek


def _filled_without_condition(code: str):
    """Fill `kolom` where its condition does not hold (e.g. reden_einde without datum_einde)."""

    def breek(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
        rule = _rule(bron, code)
        assert isinstance(rule, GevuldPreciesAlsRegel)
        row = _first(df[rule.voorwaarde_kolom] == "")
        lijst = bron.kolom(rule.kolom).codelijst
        df = df.copy()
        df.loc[row, rule.kolom] = sim.codes(lijst)[0] if lijst else peil.isoformat()
        return df

    return breek


def _empty_despite_condition(code: str):
    """Leave `kolom` empty where its condition holds (e.g. uitkomst VERZOEK_MAATREGEL without datum_rekest)."""

    def breek(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
        rule = _rule(bron, code)
        assert isinstance(rule, GevuldPreciesAlsRegel)
        condition = df[rule.voorwaarde_kolom] != ""
        if rule.voorwaarde_waarde is not None:
            condition &= df[rule.voorwaarde_kolom] == rule.voorwaarde_waarde
        df = df.copy()
        df.loc[_first(condition & (df[rule.kolom] != "")), rule.kolom] = ""
        return df

    return breek


def _date_after_peildatum(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
    kolom = _date_columns(sim, bron)[0]
    df = df.copy()
    df.loc[_first(df[kolom] != ""), kolom] = (peil + timedelta(days=10)).isoformat()
    return df


def _unparsable_date(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
    kolom = _date_columns(sim, bron)[0]
    df = df.copy()
    df.loc[_first(df[kolom] != ""), kolom] = f"{peil.year}-02-30"
    return df


def _bsn_in_text(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
    df = df.copy()
    df.loc[0, bron.record_id] = f"{fake_bsns(sim.rng('defecten', 'bsn'), 1)[0]:09d}"
    return df


def _unknown_code(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
    kolom = next(k.naam for k in bron.kolommen if k.codelijst and k.verplicht)
    df = df.copy()
    df.loc[0, kolom] = "ONBEKENDE_CODE"
    return df


def _unknown_gemeente(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
    kolom = next(k.naam for k in bron.kolommen if sim.defs.typen[k.type].referentie == "gemeenten")
    unknown = next(f"GM{n:04d}" for n in range(9999, 0, -1) if f"GM{n:04d}" not in sim.defs.gemeente_codes)
    df = df.copy()
    df.loc[0, kolom] = unknown
    return df


def _header_only(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
    return df.iloc[0:0]


def _not_utf8(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> bytes:
    df = df.copy()
    df.loc[0, bron.record_id] = df.loc[0, bron.record_id] + "\u00e9"
    return _csv_bytes(df).decode("utf-8").encode("cp1252")


def _unchanged(df: pd.DataFrame, bron: Bron, sim: Simulatie, peil: date) -> pd.DataFrame:
    return df


def _code(waarde: str):
    return lambda df, row: waarde


def _is(kolom: str, waarde: str):
    return lambda df, sim: df[kolom] == waarde


def _geboortejaar(jaren_na_uitspraak: int):
    return lambda df, row: str(_iso(df, row, "datum_uitspraak").year + jaren_na_uitspraak)


# An organisation delivers one file per bron a month, and there are fewer organisations than
# rules to show (one Raad), so some defects break several rules, each on a row of its own.
CATALOGUS = [
    _Soort(
        ("ALG-KOL-001", "ALG-KOL-002"),
        "gi_maatregelen",
        "extra column 'naam' with first names",
        _extra_column("naam", _fake_names),
    ),
    _Soort(("GIM-001",), "gi_maatregelen", "one record id used twice", _duplicate("GIM-001")),
    _Soort(
        ("GIM-007", "GIM-008"),
        "gi_maatregelen",
        "datum_einde 30 days before datum_uitspraak; reden_einde on another measure without datum_einde",
        _samen(_before("GIM-007"), _filled_without_condition("GIM-008")),
    ),
    _Soort(
        ("GIM-002", "GIM-009"),
        "gi_maatregelen",
        "geboortejaar after the year of datum_uitspraak; on another measure datum_start_bij_gi before datum_uitspraak",
        _samen(
            _set_on("geboortejaar", lambda df, sim: _kader(df, sim, "JB"), _geboortejaar(1)),
            _set_on("datum_start_bij_gi", _lopend_jb, _days_before("datum_uitspraak", 10)),
        ),
    ),
    _Soort(("ALG-DATUM-001",), "gi_maatregelen", "a date 10 days after the peildatum", _date_after_peildatum),
    _Soort(("ALG-TYPE-001",), "gi_maatregelen", "an unparsable date (30 February)", _unparsable_date),
    _Soort(
        ("GIM-W02", "GIM-W03", "GIM-W04", "ALG-CODE-W01"),
        "gi_maatregelen",
        "accepted with warnings: a JB child aged 19 at datum_uitspraak; a jeugdbeschermer 30 days and a plan "
        "10 days before datum_uitspraak (on measures that follow no other); reden_einde VERHUISD",
        _samen(
            _set_on("geboortejaar", lambda df, sim: _kader(df, sim, "JB"), _geboortejaar(-19)),
            _set_on("datum_jeugdbeschermer", _lopend_jb, _days_before("datum_uitspraak", 30)),
            _set_on("datum_plan_van_aanpak", _lopend_jb, _days_before("datum_uitspraak", 10)),
            _set_on("reden_einde", _filled("reden_einde"), _code("VERHUISD")),
        ),
        geaccepteerd=True,
    ),
    _Soort(
        ("ALG-KOL-001",),
        "gi_capaciteit",
        "an extra column 'opmerking'",
        _extra_column("opmerking", lambda n: ["-"] * n),
    ),
    _Soort(("ALG-BEST-002",), "gi_capaciteit", "a header row without records", _header_only),
    _Soort(("ALG-PRIV-001",), "vt_meldingen", "a BSN (eleven-test) as record id", _bsn_in_text),
    _Soort(
        ("ALG-CODE-001", "ALG-REF-001"),
        "vt_meldingen",
        "a code outside its code list and a municipality code not in the reference data",
        _samen(_unknown_code, _unknown_gemeente),
    ),
    _Soort(
        ("VTM-005",),
        "vt_meldingen",
        "vervolg VERZOEK_ONDERZOEK_RVDK without datum_verzoek_rvdk",
        _empty_despite_condition("VTM-005"),
    ),
    _Soort(("ALG-BEST-001",), "vt_meldingen", "Windows-1252 bytes, not UTF-8", _not_utf8),
    _Soort(("VTM-001",), "vt_meldingen", "one (melding_id, kind_id) twice", _duplicate("VTM-001")),
    _Soort(
        ("VTM-007",),
        "vt_meldingen",
        "a MELDING without kind_id (only an advice request may be anonymous)",
        _set_on("kind_id", lambda df, sim: (df["soort"] == "MELDING") & (df["kind_id"] != ""), _code("")),
    ),
    _Soort(
        ("RVO-006", "RVO-007", "ALG-CODE-001"),
        "rvdk_onderzoeken",
        "uitkomst VERZOEK_MAATREGEL without datum_rekest; datum_spoedverzoek 30 days before datum_verzoek; "
        "verzoeker POLITIE (not in its code list)",
        _samen(
            _empty_despite_condition("RVO-006"),
            _before("RVO-007"),
            _set_on("verzoeker", _filled("verzoeker"), _code("POLITIE")),
        ),
    ),
    _Soort(
        ("ALG-ORG-001",), "gi_maatregelen", "a valid GI delivery from an unknown organisation", _unchanged, "ONBEKEND"
    ),
    _Soort(
        ("ALG-ORG-002",),
        "gi_maatregelen",
        "a valid GI delivery in a Veilig Thuis organisation's folder",
        _unchanged,
        "VT",
    ),
]


def schrijf(
    sim: Simulatie, registraties: list[Registratie], plans: list[Correctieplan], inbox: Path, peil: date
) -> list[Defect]:
    """Write the defective deliveries at `peil`; each (organisation, bron) gets at most one."""
    defs = sim.defs
    types = {o.organisatie_code: o.organisatie_type for o in defs.organisaties}
    used: set[tuple[str, str]] = set()
    result = []
    for soort in CATALOGUS:
        bron = defs.bronnen[soort.bron]
        # The smallest deliveries first: quick to rewrite.
        candidates = sorted(
            (
                (reg, plan)
                for reg, plan in zip(registraties, plans, strict=True)
                # A defect sent from another folder may reuse an organisation's data that has a defect of its own.
                if reg.bron == soort.bron
                and ((reg.organisatie_code, reg.bron) not in used or soort.afzender is not None)
                and len(reg)
            ),
            key=lambda rp: (len(rp[0]), rp[0].organisatie_code),
        )
        if soort.afzender == "VT":
            senders = [c for c, t in sorted(types.items()) if t == "VT" and (c, soort.bron) not in used]
        elif soort.afzender is not None:
            senders = [
                next(f"{soort.afzender}{i or ''}" for i in range(100) if f"{soort.afzender}{i or ''}" not in types)
            ]
        else:
            senders = None
        for reg, plan in candidates:
            df = _as_text(momentopname(defs, reg, dag(peil), 10**6, plan))
            try:
                content = soort.breek(df, bron, sim, peil)
            except LookupError:
                continue
            sender = reg.organisatie_code if senders is None else (senders[0] if senders else None)
            if sender is None:
                break
            path = inbox / sender / soort.bron / f"{peil.isoformat()}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_bytes(_csv_bytes(content))
            used.add((sender, soort.bron))
            if senders is None:
                used.add((reg.organisatie_code, reg.bron))
            result.append(Defect(path, sender, soort.bron, soort.regels, soort.omschrijving, soort.geaccepteerd))
            break
    return result
