"""Advice requests and reports at Veilig Thuis (vt_meldingen).

Most VT traffic never reaches the Raad: background records per region and month (the
national volume spread over the regions a VT organisation serves), a share of children
coming back later. A request to the Raad (vervolg VERZOEK_ONDERZOEK_RVDK) exists only for
an investigation that raad.py marked `via_vt`, for the same child.
"""

from __future__ import annotations

import numpy as np

from .dates import NAT, jaar_van, niet_ouder_dan
from .maatregelen import Tabel, concat, lengte, select, trek_verhuizingen
from .sampling import ages, choose, piecewise_days, uniform_days
from .simulatie import Simulatie, dagen_in_maanden, jaarwaarde, maandvolumes, poisson_records


def _tabel(kind, regio, soort, ontvangst, afgerond, vervolg, verzoek_rvdk) -> Tabel:
    n = len(kind)
    return {
        "kind": kind.astype(np.int64),
        "regio": regio.astype(np.int32),
        "soort": soort.astype(np.int16),
        "ontvangst": ontvangst.astype(np.int64),
        "afgerond": afgerond.astype(np.int64),
        "vervolg": vervolg.astype(np.int16),
        "verzoek_rvdk": verzoek_rvdk.astype(np.int64),
        # An anonymous advice request has no kind_id (and `zonder_jaar`: no geboortejaar).
        "anoniem": np.zeros(n, dtype=bool),
        "zonder_jaar": np.zeros(n, dtype=bool),
        # Rows of one melding (siblings) share a group and so a melding_id.
        "groep": np.full(n, -1, dtype=np.int64),
    }


def _verzoeken(sim: Simulatie, onderzoeken: Tabel) -> Tabel:
    """One VT report per investigation Veilig Thuis requested."""
    v = sim.params.vt
    rng = sim.rng("veilig_thuis", "verzoeken")
    o = select(onderzoeken, onderzoeken["via_vt"])
    n = lengte(o)
    verzoek = o["verzoek"] - uniform_days(rng, v.verzoek_tot_raad, n)
    ontvangst = verzoek - uniform_days(rng, v.ontvangst_tot_verzoek, n)
    afgerond = verzoek + uniform_days(rng, v.verzoek_tot_afgerond, n)
    soort = choose(rng, v.soort_bij_verzoek, n, sim.codes("vt_soort"))
    vervolg = np.full(n, sim.code("vervolg", sim.params.rol("verzoek_rvdk")))
    return _tabel(o["kind"], o["regio"], soort, ontvangst, afgerond, vervolg, verzoek)


def _anoniem_toegestaan(sim: Simulatie) -> tuple[bool, bool]:
    """Whether the definitions allow an empty kind_id (contract version 2) and an empty geboortejaar."""
    bron = sim.defs.bronnen["vt_meldingen"]
    kind_id = next((k for k in bron.kolommen if k.type == "pseudoniem"), None)
    jaar = next((k for k in bron.kolommen if k.naam == "geboortejaar"), None)
    return (kind_id is not None and not kind_id.verplicht), (jaar is not None and not jaar.verplicht)


def _broers_zussen(sim: Simulatie, rng: np.random.Generator, t: Tabel, soort: str) -> Tabel:
    """Sibling rows for a share of the (not anonymous) contacts: same melding, municipality and dates."""
    v = sim.params.vt
    mix = v.broers_zussen.get(soort, {})
    kin = sim.kinderen
    n = lengte(t)
    u = rng.random(n)
    p3, p2 = mix.get(3, 0.0), mix.get(2, 0.0)
    extra = np.where(u < p3, 2, np.where(u < p3 + p2, 1, 0))
    extra[t["anoniem"]] = 0
    oudste = len(v.leeftijd) - 1
    parts = []
    for k in (1, 2):
        rows = np.flatnonzero(extra >= k)
        if len(rows) == 0:
            continue
        index = t["kind"][rows]
        ontvangst = t["ontvangst"][rows]
        leeftijd = (ontvangst - kin.geboortedag[index]) / 365.25
        d = uniform_days(rng, v.broers_zussen_leeftijdsverschil, len(rows)) * k
        older = ((rng.random(len(rows)) < 0.5) & (leeftijd + d <= oudste)) | (leeftijd - d < 0)
        sib_age = np.clip(np.where(older, leeftijd + d, leeftijd - d), 0, oudste + 0.99)
        geboorte = np.minimum(ontvangst - np.round(sib_age * 365.25).astype(np.int64), ontvangst)
        sib = kin.add(rng, t["regio"][rows], niet_ouder_dan(geboorte, ontvangst, oudste))
        # Siblings live together: the same municipality, the same move.
        kin.u[sib] = kin.u[index]
        kin.kopieer_verhuizing(index, sib)
        rij = select(t, rows)
        rij["kind"] = sib
        parts.append(rij)
    return concat(parts)


def _achtergrond(sim: Simulatie) -> Tabel:
    p, v = sim.params, sim.params.vt
    rng = sim.rng("veilig_thuis", "achtergrond")
    months = sim.venster(p.inloop_jaren["vt"])
    share = sim.netwerk.aandeel(sim.netwerk.vt_kans)
    soorten, vervolgen = sim.codes("vt_soort"), sim.codes("vervolg")
    anoniem_mag, zonder_jaar_mag = _anoniem_toegestaan(sim)
    oudste = len(v.leeftijd) - 1
    parts, groepen = [], 0
    for soort, tabel in p.jaartabel("vt").items():
        # Returning children and siblings add rows (the volumes count rows): start fewer first contacts.
        mix = v.broers_zussen.get(soort, {})
        extra = mix.get(2, 0.0) + 2 * mix.get(3, 0.0)
        lam = maandvolumes(tabel, months, share, sim.schaal) / (1.0 + v.herhaald) / (1.0 + extra)
        regio, maand = poisson_records(rng, lam)
        n = len(regio)
        ontvangst = dagen_in_maanden(rng, months, maand).astype(np.int64)
        geboorte = ontvangst - np.round((ages(rng, v.leeftijd, n) + rng.random(n)) * 365.25).astype(np.int64)
        kind = sim.kinderen.add(rng, regio, niet_ouder_dan(geboorte, ontvangst, oudste))
        trek_verhuizingen(sim, kind, ontvangst, "veilig_thuis", soort)
        contact = _contact(sim, rng, kind, regio, np.full(n, soorten.index(soort)), ontvangst, vervolgen)
        contact["groep"] = groepen + np.arange(n, dtype=np.int64)
        groepen += n
        if soort == p.rol("advies") and anoniem_mag:
            contact["anoniem"] = rng.random(n) < v.anoniem_advies
            if zonder_jaar_mag:
                contact["zonder_jaar"] = contact["anoniem"] & (rng.random(n) < v.anoniem_zonder_geboortejaar)
        parts.append(contact)
        parts.append(_broers_zussen(sim, rng, contact, soort))

    first = concat([t for t in parts[0::2]])
    n = lengte(first)
    again = (rng.random(n) < v.herhaald) & ~first["anoniem"]
    kind = first["kind"][again]
    k = len(kind)
    ontvangst = first["ontvangst"][again] + uniform_days(rng, v.herhaald_na, k)
    regio = sim.kinderen.regio_op(kind, ontvangst)
    volumes = {s: jaarwaarde(t, sim.horizon.year) for s, t in p.jaartabel("vt").items()}
    soort = choose(rng, volumes, k, soorten)
    second = _contact(sim, rng, kind, regio, soort, ontvangst, vervolgen)
    # The contract expects a minor (year difference at datum_ontvangst; VTM-W02).
    jong = jaar_van(ontvangst) - jaar_van(sim.kinderen.geboortedag[kind]) <= oudste
    second = select(second, jong)
    second["groep"] = groepen + np.arange(lengte(second), dtype=np.int64)
    return concat([*parts, second])


def _contact(sim: Simulatie, rng: np.random.Generator, kind, regio, soort, ontvangst, vervolgen) -> Tabel:
    v = sim.params.vt
    soorten = sim.codes("vt_soort")
    n = len(kind)
    afgerond = np.full(n, NAT, dtype=np.int64)
    vervolg = np.full(n, -1, dtype=np.int16)
    for code, delen in v.afgerond.items():
        m = soort == soorten.index(code)
        k = int(m.sum())
        afgerond[m] = ontvangst[m] + piecewise_days(rng, delen, k, 10**6)
        vervolg[m] = choose(rng, v.vervolg[code], k, vervolgen)
    vervolg = np.where(afgerond < NAT, vervolg, -1)
    return _tabel(kind, regio, soort, ontvangst, afgerond, vervolg, np.full(n, NAT))


def simuleer(sim: Simulatie, onderzoeken: Tabel) -> Tabel:
    """All VT records open at any time since the monitor's start, with their organisation (`org`)."""
    rng = sim.rng("veilig_thuis", "organisatie")
    achtergrond = _achtergrond(sim)
    verzoeken = _verzoeken(sim, onderzoeken)
    # Each contact its own melding_id, siblings the one of their contact (groups go on after those).
    offset = int(achtergrond["groep"].max()) + 1 if lengte(achtergrond) else 0
    verzoeken["groep"] = offset + np.arange(lengte(verzoeken), dtype=np.int64)
    alle = concat([verzoeken, achtergrond])
    org = sim.netwerk.kies(rng, sim.netwerk.vt_kans, alle["regio"])
    # One melding is at one organisation: siblings follow the first row of their group.
    _, first, groep = np.unique(alle["groep"], return_index=True, return_inverse=True)
    alle["org"] = org[first][groep.ravel()]
    keep = (
        (alle["org"] >= 0)
        & (alle["ontvangst"] <= sim.horizon_dag)
        & (alle["afgerond"] >= sim.start_dag)
        # An unborn child has no BSN, so no kind_id.
        & (sim.kinderen.geboortedag[alle["kind"]] <= alle["ontvangst"])
    )
    alle = select(alle, keep)
    alle["geboortejaar"] = np.where(alle["zonder_jaar"], -1, jaar_van(sim.kinderen.geboortedag[alle["kind"]]))
    return alle
