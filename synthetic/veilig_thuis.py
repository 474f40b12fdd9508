"""Advice requests and reports at Veilig Thuis (vt_meldingen).

Most VT traffic never reaches the Raad: background records per region and month (the
national volume spread over the regions a VT organisation serves), a share of children
coming back later. A request to the Raad (vervolg VERZOEK_ONDERZOEK_RVDK) exists only for
an investigation that raad.py marked `via_vt`, for the same child.
"""

from __future__ import annotations

import numpy as np

from .dates import NAT, jaar_van, plus_jaren
from .maatregelen import Tabel, concat, lengte, select
from .sampling import ages, choose, piecewise_days, uniform_days
from .simulatie import Simulatie, dagen_in_maanden, jaarwaarde, maandvolumes, poisson_records


def _tabel(kind, regio, soort, ontvangst, afgerond, vervolg, verzoek_rvdk) -> Tabel:
    return {
        "kind": kind.astype(np.int64),
        "regio": regio.astype(np.int32),
        "soort": soort.astype(np.int16),
        "ontvangst": ontvangst.astype(np.int64),
        "afgerond": afgerond.astype(np.int64),
        "vervolg": vervolg.astype(np.int16),
        "verzoek_rvdk": verzoek_rvdk.astype(np.int64),
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


def _achtergrond(sim: Simulatie) -> Tabel:
    p, v = sim.params, sim.params.vt
    rng = sim.rng("veilig_thuis", "achtergrond")
    months = sim.venster(p.inloop_jaren["vt"])
    share = sim.netwerk.aandeel(sim.netwerk.vt_kans)
    soorten, vervolgen = sim.codes("vt_soort"), sim.codes("vervolg")
    parts = []
    for soort, tabel in p.jaartabel("vt").items():
        # Returning children add records: start fewer first contacts.
        lam = maandvolumes(tabel, months, share, sim.schaal) / (1.0 + v.herhaald)
        regio, maand = poisson_records(rng, lam)
        n = len(regio)
        ontvangst = dagen_in_maanden(rng, months, maand).astype(np.int64)
        geboorte = ontvangst - np.round((ages(rng, v.leeftijd, n) + rng.random(n)) * 365.25).astype(np.int64)
        kind = sim.kinderen.add(rng, regio, geboorte)
        parts.append(_contact(sim, rng, kind, regio, np.full(n, soorten.index(soort)), ontvangst, vervolgen))

    first = concat(parts)
    n = lengte(first)
    again = rng.random(n) < v.herhaald
    kind, regio = first["kind"][again], first["regio"][again]
    k = len(kind)
    ontvangst = first["ontvangst"][again] + uniform_days(rng, v.herhaald_na, k)
    volumes = {s: jaarwaarde(t, sim.horizon.year) for s, t in p.jaartabel("vt").items()}
    soort = choose(rng, volumes, k, soorten)
    second = _contact(sim, rng, kind, regio, soort, ontvangst, vervolgen)
    adult = plus_jaren(sim.kinderen.geboortedag[kind], 18) <= ontvangst
    return concat([first, select(second, ~adult)])


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
    alle = concat([_verzoeken(sim, onderzoeken), _achtergrond(sim)])
    alle["org"] = sim.netwerk.kies(rng, sim.netwerk.vt_kans, alle["regio"])
    keep = (
        (alle["org"] >= 0)
        & (alle["ontvangst"] <= sim.horizon_dag)
        & (alle["afgerond"] >= sim.start_dag)
        # An unborn child has no BSN, so no kind_id.
        & (sim.kinderen.geboortedag[alle["kind"]] <= alle["ontvangst"])
    )
    alle = select(alle, keep)
    alle["geboortejaar"] = jaar_van(sim.kinderen.geboortedag[alle["kind"]])
    return alle
