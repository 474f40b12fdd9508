"""Investigations of the Raad voor de Kinderbescherming (rvdk_onderzoeken).

Investigations that lead to a measure are anchored on the measure (rekest a few weeks
before the ruling, see maatregelen.py for the `raad` modes). Background investigations
then fill every region-year up to the national yearly volume, at the configured rekest
rate for protection investigations.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from .dates import NAT, dag, jaar_van, niet_ouder_dan
from .maatregelen import (
    GEZAG,
    NIEUW,
    STRAF,
    TIJDENS,
    VOORAFGAAND,
    Tabel,
    concat,
    lengte,
    max_leeftijd,
    select,
    trek_verhuizingen,
)
from .sampling import ages, choose, piecewise_days, uniform_days
from .simulatie import Simulatie, jaarwaarde


def _verzoeker(sim: Simulatie, rng: np.random.Generator, soort, via_vt: np.ndarray, mix=None) -> np.ndarray:
    """Who asked for the investigation: Veilig Thuis when it did, else drawn from the soort's mix."""
    n = len(via_vt)
    if "verzoeker" not in sim.defs.codelijsten:  # version 1 definitions: no such column
        return np.full(n, -1, dtype=np.int16)
    r = sim.params.rvdk
    codes = sim.codes("verzoeker")
    if mix is None:
        naam = sim.codes("rvdk_soort")[int(np.asarray(soort).flat[0])]
        mix = r.verzoeker[naam]
    drawn = choose(rng, mix, n, codes)
    return np.where(via_vt, codes.index(sim.params.rol("verzoeker_vt")), drawn).astype(np.int16)


def _tabel(kind, regio, soort, verzoek, start, afgerond, uitkomst, rekest, via_vt, verzoeker, spoed=None) -> Tabel:
    return {
        "kind": kind.astype(np.int64),
        "regio": regio.astype(np.int32),
        "soort": np.broadcast_to(soort, kind.shape).astype(np.int16),
        "verzoek": verzoek.astype(np.int64),
        "start": start.astype(np.int64),
        "afgerond": afgerond.astype(np.int64),
        "uitkomst": uitkomst.astype(np.int16),
        "rekest": rekest.astype(np.int64),
        "via_vt": via_vt.astype(bool),
        "verzoeker": verzoeker.astype(np.int16),
        "spoed": (np.full(len(kind), NAT) if spoed is None else spoed).astype(np.int64),
    }


def _voor_maatregelen(sim: Simulatie, m: Tabel) -> Tabel:
    """Investigations that precede measures: anchored, during a voorlopige measure, strafonderzoek."""
    p, r = sim.params, sim.params.rvdk
    rng = sim.rng("raad", "keten")
    wd = sim.werkdagen
    bescherming = sim.code("rvdk_soort", p.rol("bescherming"))
    verzoek_maatregel = sim.code("uitkomst", p.rol("verzoek_maatregel"))
    uitkomsten = sim.codes("uitkomst")
    parts = []

    a = select(m, np.isin(m["raad"], [NIEUW, GEZAG]))
    n = lengte(a)
    rekest = wd.vorige(a["uitspraak"] - uniform_days(rng, r.rekest_voor_uitspraak, n)).astype(np.int64)
    afgerond = rekest + uniform_days(rng, r.afgerond_na_rekest, n)
    start = afgerond - uniform_days(rng, r.duur_start_afgerond, n)
    verzoek = start - uniform_days(rng, r.verzoek_tot_start, n)
    na_ots = a["raad"] == GEZAG
    via_vt = rng.random(n) < np.where(na_ots, r.via_veilig_thuis_na_ots, r.via_veilig_thuis)
    verzoeker = np.where(
        na_ots,
        _verzoeker(sim, rng, bescherming, via_vt, r.verzoeker_na_ots),
        _verzoeker(sim, rng, np.array([bescherming]), via_vt),
    )
    parts.append(
        _tabel(
            a["kind"],
            a["regio"],
            bescherming,
            verzoek,
            start,
            afgerond,
            np.full(n, verzoek_maatregel),
            rekest,
            via_vt,
            verzoeker,
        )
    )

    # A voorlopige measure: the court ruled on the Raad's urgent request (spoedverzoek) made during an
    # investigation that was already running (voorafgaand) or began with the acute situation
    # (tijdens). The investigation goes on; its rekest (if any) is for the follow-on measure.
    t = select(m, np.isin(m["raad"], [VOORAFGAAND, TIJDENS]))
    n = lengte(t)
    spoed = t["uitspraak"] - piecewise_days(rng, r.spoedverzoek_voor_uitspraak, n, 0)
    verzoek = spoed - np.where(
        t["raad"] == VOORAFGAAND,
        uniform_days(rng, r.voorafgaand_verzoek_voor_spoed, n),
        uniform_days(rng, r.tijdens_verzoek_voor_uitspraak, n),
    )
    start = verzoek + np.where(
        t["raad"] == VOORAFGAAND,
        uniform_days(rng, r.verzoek_tot_start, n),
        uniform_days(rng, r.tijdens_verzoek_tot_start, n),
    )
    conv = t["reden"] == sim.code("reden_einde", p.rol("omgezet"))
    rekest = np.maximum(t["einde"] - uniform_days(rng, r.tijdens_rekest_voor_vervolg, n), np.maximum(start, spoed))
    afgerond = np.where(
        conv,
        rekest + uniform_days(rng, r.afgerond_na_rekest, n),
        np.maximum(start + r.tijdens_duur_min, t["einde"] - uniform_days(rng, r.tijdens_afgerond_voor_einde, n)),
    )
    uitkomst = np.where(conv, verzoek_maatregel, choose(rng, r.achtergrond_uitkomst_zonder_rekest, n, uitkomsten))
    via_vt = rng.random(n) < r.via_veilig_thuis
    parts.append(
        _tabel(
            t["kind"],
            t["regio"],
            bescherming,
            verzoek,
            start,
            afgerond,
            uitkomst,
            np.where(conv, rekest, NAT),
            via_vt,
            _verzoeker(sim, rng, np.array([bescherming]), via_vt),
            spoed,
        )
    )

    s = select(m, m["raad"] == STRAF)
    n = lengte(s)
    jr = p.jr
    afgerond = s["uitspraak"] - uniform_days(rng, jr.straf_afgerond_voor_uitspraak, n)
    start = afgerond - uniform_days(rng, jr.straf_duur, n)
    verzoek = start - uniform_days(rng, jr.straf_verzoek_start, n)
    uitkomst = choose(rng, jr.straf_uitkomst, n, uitkomsten)
    rekest = np.where(uitkomst == verzoek_maatregel, afgerond, NAT)
    straf = sim.code("rvdk_soort", p.rol("straf"))
    geen_vt = np.zeros(n, bool)
    verzoeker = _verzoeker(sim, rng, np.array([straf]), geen_vt)
    parts.append(_tabel(s["kind"], s["regio"], straf, verzoek, start, afgerond, uitkomst, rekest, geen_vt, verzoeker))
    return concat(parts)


def _achtergrond(sim: Simulatie, keten: Tabel) -> Tabel:
    """Fill each region-year up to the national volume per soort (share of the regions the Raad serves)."""
    p, r = sim.params, sim.params.rvdk
    rng = sim.rng("raad", "achtergrond")
    months = sim.venster(p.inloop_jaren["rvdk"])
    begin, end = dag(months[0]), sim.horizon_dag
    years = np.arange(months[0].year, sim.horizon.year + 1)
    year_start = np.array([max(dag(date(int(y), 1, 1)), begin) for y in years])
    year_end = np.array([min(dag(date(int(y), 12, 31)), end) for y in years])
    fraction = (year_end - year_start + 1) / np.array([366 if y % 4 == 0 else 365 for y in years])
    share = sim.netwerk.aandeel(sim.netwerk.rvdk_kans)
    nreg = len(sim.netwerk.regios)
    uitkomsten = sim.codes("uitkomst")
    verzoek_maatregel = sim.code("uitkomst", p.rol("verzoek_maatregel"))
    in_window = (keten["verzoek"] >= begin) & (keten["verzoek"] <= end) if lengte(keten) else np.zeros(0, bool)
    keten_jaar = np.searchsorted(years, jaar_van(keten["verzoek"])) if lengte(keten) else np.zeros(0, int)
    parts = []
    for soort, tabel in p.jaartabel("rvdk").items():
        code = sim.code("rvdk_soort", soort)
        volume = np.array([jaarwaarde(tabel, int(y)) for y in years]) * fraction
        target = rng.poisson(np.outer(share, volume) * sim.schaal)
        mine = in_window & (keten["soort"] == code) if lengte(keten) else np.zeros(0, bool)
        cell = keten["regio"][mine] * len(years) + keten_jaar[mine] if lengte(keten) else np.zeros(0, int)
        chained = np.bincount(cell, minlength=nreg * len(years)).reshape(nreg, len(years))
        rek = mine & (keten["uitkomst"] == verzoek_maatregel) if lengte(keten) else np.zeros(0, bool)
        cell_rek = keten["regio"][rek] * len(years) + keten_jaar[rek] if lengte(keten) else np.zeros(0, int)
        chained_rek = np.bincount(cell_rek, minlength=nreg * len(years)).reshape(nreg, len(years))
        extra = np.maximum(target - chained, 0)
        is_bescherming = soort == p.rol("bescherming")
        if is_bescherming:
            with_rekest = np.clip(np.round(r.rekest_aandeel * target) - chained_rek, 0, extra).astype(int)
        else:
            with_rekest = np.zeros_like(extra)
        regio, jaar = np.nonzero(extra)
        reps = extra[regio, jaar]
        regio, jaar = np.repeat(regio, reps), np.repeat(jaar, reps)
        n = len(regio)
        # The first with_rekest records of each cell get a rekest.
        rank = np.arange(n) - np.repeat(np.cumsum(reps) - reps, reps)
        rekest_flag = rank < with_rekest[regio, jaar]
        span = year_end[jaar] - year_start[jaar] + 1
        verzoek = year_start[jaar] + np.floor(rng.random(n) * span).astype(np.int64)
        if soort == p.rol("straf"):
            leeftijd = ages(rng, p.jr.leeftijd, n, first=p.jr.leeftijd_van)
            duur, mix = p.jr.straf_duur, p.jr.straf_uitkomst
            oudste = max_leeftijd(sim, "JR")
        else:
            leeftijd = ages(rng, p.vt.leeftijd, n)
            duur = r.duur_start_afgerond
            mix = r.achtergrond_uitkomst_zonder_rekest if is_bescherming else r.gezag_omgang_uitkomst
            oudste = len(p.vt.leeftijd) - 1
        geboorte = verzoek - np.round((leeftijd + rng.random(n)) * 365.25).astype(np.int64)
        kind = sim.kinderen.add(rng, regio, niet_ouder_dan(geboorte, verzoek, oudste))
        trek_verhuizingen(sim, kind, verzoek, "raad", soort)
        start = verzoek + uniform_days(rng, r.verzoek_tot_start, n)
        afgerond = start + uniform_days(rng, duur, n)
        uitkomst = np.where(rekest_flag, verzoek_maatregel, choose(rng, mix, n, uitkomsten))
        rekest = np.where(
            uitkomst == verzoek_maatregel,
            np.maximum(afgerond - uniform_days(rng, r.afgerond_na_rekest, n), start),
            NAT,
        )
        via_vt = rng.random(n) < (r.via_veilig_thuis_achtergrond if is_bescherming else 0.0)
        verzoeker = _verzoeker(sim, rng, np.array([code]), via_vt)
        parts.append(_tabel(kind, regio, code, verzoek, start, afgerond, uitkomst, rekest, via_vt, verzoeker))
    return concat(parts)


def simuleer(sim: Simulatie, maatregelen: Tabel) -> Tabel:
    """All investigations open at any time since the monitor's start, with their organisation (`org`)."""
    rng = sim.rng("raad", "organisatie")
    keten = _voor_maatregelen(sim, maatregelen)
    # An unborn child has no BSN, so no kind_id: the Raad's record cannot be linked.
    keten = select(keten, sim.kinderen.geboortedag[keten["kind"]] <= keten["verzoek"])
    keten["org"] = sim.netwerk.kies(rng, sim.netwerk.rvdk_kans, keten["regio"])
    keten = select(keten, keten["org"] >= 0)
    achtergrond = _achtergrond(sim, keten)
    achtergrond["org"] = sim.netwerk.kies(rng, sim.netwerk.rvdk_kans, achtergrond["regio"])
    alle = concat([keten, achtergrond])
    keep = (
        (alle["org"] >= 0)
        & (alle["verzoek"] <= sim.horizon_dag)
        & (alle["afgerond"] >= sim.start_dag)
        & (sim.kinderen.geboortedag[alle["kind"]] <= alle["verzoek"])
    )
    alle = select(alle, keep)
    alle["geboortejaar"] = jaar_van(sim.kinderen.geboortedag[alle["kind"]])
    # The age the contract expects at datum_verzoek (year difference; RVO-W02): a strafonderzoek
    # that began before a JR youth's 12th year (or a chained one past the top) is left out.
    leeftijd = jaar_van(alle["verzoek"]) - alle["geboortejaar"]
    straf = alle["soort"] == sim.code("rvdk_soort", sim.params.rol("straf"))
    laagste = np.where(straf, sim.params.jr.leeftijd_van, 0)
    hoogste = np.where(straf, max_leeftijd(sim, "JR"), len(sim.params.vt.leeftijd) - 1)
    return select(alle, (leeftijd >= laagste) & (leeftijd <= hoogste))
