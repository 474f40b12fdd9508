"""The truth per organisation and bron: every record as finally known, under the contract's column names.

Column names and order come from definitions/bronnen/*.yaml. The generator knows what
each contract column means (the mapping below); columns are further recognised by their
type: the `record_id` column gets pseudonymous ids, the `pseudoniem` column the kind_id,
the `gemeente_code` column the child's municipality. An optional column the generator
does not know stays empty; a required one it does not know is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sources.pseudonimisering import TEST_SLEUTEL, VINGERAFDRUK_KOLOM, vingerafdruk

from .dates import NAT
from .maatregelen import Tabel, lengte, select
from .simulatie import Simulatie

# Contract column -> field of the simulated tables, per bron.
VELDEN = {
    "gi_maatregelen": {
        "geboortejaar": "geboortejaar",
        "maatregel_type": "type",
        "datum_uitspraak": "uitspraak",
        "datum_in_kennisstelling": "kennisstelling",
        "datum_jeugdbeschermer": "jeugdbeschermer",
        "datum_plan_van_aanpak": "plan",
        "datum_passende_hulp": "hulp",
        "datum_einde": "einde",
        "reden_einde": "reden",
        "datum_start_bij_gi": "start_gi",
        "scheidingsproblematiek": "scheiding",
    },
    "vt_meldingen": {
        "geboortejaar": "geboortejaar",
        "soort": "soort",
        "datum_ontvangst": "ontvangst",
        "datum_afgerond": "afgerond",
        "vervolg": "vervolg",
        "datum_verzoek_rvdk": "verzoek_rvdk",
    },
    "rvdk_onderzoeken": {
        "geboortejaar": "geboortejaar",
        "soort": "soort",
        "datum_verzoek": "verzoek",
        "datum_start": "start",
        "datum_afgerond": "afgerond",
        "uitkomst": "uitkomst",
        "datum_rekest": "rekest",
        "datum_spoedverzoek": "spoed",
        "verzoeker": "verzoeker",
    },
    "gi_capaciteit": {
        "peildatum": "peildatum",
        "fte_jeugdbeschermer": "fte_jb",
        "fte_jeugdreclasseerder": "fte_jr",
        "instroom_medewerkers": "instroom",
        "uitstroom_medewerkers": "uitstroom",
        "verzuim_pct": "verzuim",
    },
}
# The field whose date fixes the child's municipality on a record (the record's start; a measure taken
# over from another GI starts at the new GI on start_gi).
GEMEENTE_OP = {"gi_maatregelen": "uitspraak", "vt_meldingen": "ontvangst", "rvdk_onderzoeken": "verzoek"}


@dataclass
class Gemeente:
    """A record's municipality as the organisation knows it: `oud` before day `wissel`, `na` from it on.

    The organisation registers a child's move on all the child's records, closed ones too: a
    snapshot with peildatum >= wissel shows `na` (contract 4.5 corrects for this).
    """

    kolom: str
    codes: pa.Array  # municipality codes, indexed by oud / na
    oud: np.ndarray
    na: np.ndarray
    wissel: np.ndarray  # NAT: never changes

    def op(self, peil: int, rows: np.ndarray | slice) -> pa.Array:
        index = np.where(self.wissel[rows] <= peil, self.na[rows], self.oud[rows])
        return pc.take(self.codes, pa.array(index))


@dataclass
class Registratie:
    """All records of one organisation and bron, sorted by the day they became known."""

    organisatie_code: str
    bron: str
    kolommen: dict[str, np.ndarray | pa.Array | None]  # None: always empty
    bekend: np.ndarray  # day the record is known to the organisation: its latest required date
    gemeente: Gemeente | None = None

    def __len__(self) -> int:
        return len(self.bekend)


def maak(
    sim: Simulatie,
    organisatie_code: str,
    bron: str,
    tabel: Tabel,
    kind_ids: pa.Array | None,
) -> Registratie:
    """Map a simulated table onto the bron's contract columns and sort it."""
    defs = sim.defs
    definitie = defs.bronnen[bron]
    n = lengte(tabel)
    rng = sim.rng("registratie", organisatie_code, bron)
    if "groep" in tabel:
        # Rows of one melding (siblings) share its record id.
        _, first, groep = np.unique(tabel["groep"], return_index=True, return_inverse=True)
        volgnummer = rng.permutation(len(first)).astype(np.int64)[groep.ravel()]
    else:
        volgnummer = rng.permutation(n).astype(np.int64)
    gemeente = None
    kolommen: dict[str, np.ndarray | pa.Array | None] = {}
    for kolom in definitie.kolommen:
        typ = kolom.type
        if kolom.naam in VELDEN[bron]:
            kolommen[kolom.naam] = tabel[VELDEN[bron][kolom.naam]]
        elif typ == "record_id" and kolom.naam == definitie.record_id:
            prefix = sim.params.pseudonimisering.record_id_prefix.get(bron, "ID") + "-"
            digits = pc.utf8_lpad(pa.array(volgnummer).cast(pa.string()), 8, "0")
            kolommen[kolom.naam] = pc.binary_join_element_wise(prefix, digits, "")
        elif typ == "pseudoniem" and kind_ids is not None:
            anoniem = tabel.get("anoniem")
            kolommen[kolom.naam] = pc.take(kind_ids, pa.array(tabel["kind"], mask=anoniem))
        elif kolom.naam == VINGERAFDRUK_KOLOM and kind_ids is not None:
            # Pseudonymised with the published test key: its fingerprint on every row (ALG-VING-001).
            kolommen[kolom.naam] = pa.array([vingerafdruk(TEST_SLEUTEL)] * n, pa.string())
        elif typ == "gemeente_code":
            gemeente = _gemeente(sim, bron, tabel, kolom.naam)
            kolommen[kolom.naam] = None
        elif not kolom.verplicht:
            kolommen[kolom.naam] = None
        else:
            raise ValueError(
                f"the generator cannot fill required column {bron}.{kolom.naam}; extend registraties.VELDEN"
            )
    required_dates = [
        k.naam for k in definitie.kolommen if k.verplicht and defs.typen[k.type].basis == "date" and k.naam in kolommen
    ]
    bekend = np.max(np.stack([np.asarray(kolommen[k], dtype=np.int64) for k in required_dates]), axis=0)
    order = np.lexsort((volgnummer, bekend))
    for naam, values in kolommen.items():
        if isinstance(values, np.ndarray):
            kolommen[naam] = values[order]
        elif values is not None:
            kolommen[naam] = pc.take(values, pa.array(order))
    if gemeente is not None:
        gemeente.oud, gemeente.na, gemeente.wissel = gemeente.oud[order], gemeente.na[order], gemeente.wissel[order]
    return Registratie(organisatie_code, bron, kolommen, bekend[order], gemeente)


def _gemeente(sim: Simulatie, bron: str, tabel: Tabel, kolom: str) -> Gemeente:
    """Municipality before and after the child's move, for each record (see Gemeente)."""
    kin, gemeenten = sim.kinderen, sim.netwerk.gemeenten
    kind = tabel["kind"]
    start = tabel[GEMEENTE_OP[bron]]
    if "start_gi" in tabel:
        start = np.where(tabel["start_gi"] < NAT, tabel["start_gi"], start)
    verhuis = kin.verhuisdag[kind]
    na_verhuizing = start >= verhuis
    oud = gemeenten.op(
        np.where(na_verhuizing, kin.regio_na[kind], kin.regio[kind]),
        start,
        np.where(na_verhuizing, kin.u_na[kind], kin.u[kind]),
    )
    wissel = np.where(na_verhuizing, NAT, verhuis).astype(np.int64)
    if "anoniem" in tabel:
        # Nobody tells Veilig Thuis that an anonymous child moved.
        wissel = np.where(tabel["anoniem"], NAT, wissel)
    moves = wissel < NAT
    na = oud.copy()
    if moves.any():
        na[moves] = gemeenten.op(kin.regio_na[kind[moves]], np.maximum(start, verhuis)[moves], kin.u_na[kind[moves]])
    return Gemeente(kolom, pa.array(gemeenten.codes.tolist(), pa.string()), oud, na, wissel)


def per_organisatie(sim: Simulatie, tabel: Tabel, codes: list[str], bron: str, kind_ids: pa.Array) -> list[Registratie]:
    """Split a simulated table by its `org` / `gi` index into one Registratie per organisation."""
    field = "gi" if "gi" in tabel else "org"
    return [maak(sim, code, bron, select(tabel, tabel[field] == i), kind_ids) for i, code in enumerate(codes)]
