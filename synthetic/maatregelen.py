"""GI measures (gi_maatregelen): JB and JR pathways, follow-on measures and the GI's execution dates.

A measure table is a dict of equal-length numpy arrays. Dates are day numbers (NAT =
empty), codes int16 indices into their code list (-1 = empty). Besides the contract's
facts each measure carries `raad`: how the Raad voor de Kinderbescherming preceded it,
which raad.py turns into investigations.
"""

from __future__ import annotations

import numpy as np

from .dates import NAT, jaar_van, niet_ouder_dan, plus_jaren
from .sampling import ages, choose, piecewise_days, uniform_days
from .simulatie import Simulatie, dagen_in_maanden, maandvolumes, poisson_records

Tabel = dict[str, np.ndarray]

# How the Raad preceded a measure.
GEEN, NIEUW, VOORAFGAAND, TIJDENS, GEZAG, STRAF, GEDEELD = range(7)
# How a measure came to the GI.
DIRECT, OMGEZET, OVERDRACHT = range(3)
MAX_GENERATIES = 8


def concat(tabellen: list[Tabel]) -> Tabel:
    tabellen = [t for t in tabellen if t and len(next(iter(t.values())))]
    if not tabellen:
        return {}
    return {k: np.concatenate([t[k] for t in tabellen]) for k in tabellen[0]}


def select(tabel: Tabel, mask: np.ndarray) -> Tabel:
    return {k: v[mask] for k, v in tabel.items()}


def lengte(tabel: Tabel) -> int:
    return len(next(iter(tabel.values()))) if tabel else 0


def max_leeftijd(sim: Simulatie, kader: str) -> int:
    """The oldest age (year difference at the start) of a kader: the top of its age weights."""
    if kader == "JR":
        return sim.params.jr.leeftijd_van + len(sim.params.jr.leeftijd) - 1
    return len(sim.params.jb.leeftijd) - 1


def _geboren(
    sim: Simulatie, rng, regio: np.ndarray, uitspraak: np.ndarray, leeftijd: np.ndarray, raise_: bool, kader: str
):
    """New children aged `leeftijd` (whole years) on `uitspraak`, each drawing its move; returns their indices."""
    geboorte = uitspraak - np.round((leeftijd + rng.random(len(regio))) * 365.25).astype(np.int64)
    geboorte = niet_ouder_dan(geboorte, uitspraak, max_leeftijd(sim, kader))
    kind = sim.kinderen.add(rng, regio, geboorte, raise_=raise_)
    trek_verhuizingen(sim, kind, uitspraak, "maatregelen", kader)
    return kind


def trek_verhuizingen(sim: Simulatie, kind: np.ndarray, vanaf: np.ndarray, *naam: str) -> None:
    v = sim.params.verhuizing
    rng = sim.rng("verhuizing", *naam)
    sim.kinderen.trek_verhuizingen(rng, kind, vanaf, v.per_jaar, v.andere_regio, sim.netwerk.gewicht, sim.horizon_dag)


def _nieuw(kind, regio, gi, typ, uitspraak, raad, herkomst) -> Tabel:
    n = len(kind)
    return {
        "kind": kind.astype(np.int64),
        "regio": regio.astype(np.int32),
        "gi": gi.astype(np.int32),
        "type": typ.astype(np.int16),
        "uitspraak": uitspraak.astype(np.int64),
        "raad": raad.astype(np.int8),
        "herkomst": herkomst.astype(np.int8),
        # Taken over from another GI on this day (NAT: started here).
        "start_gi": np.full(n, NAT, dtype=np.int64),
        # A taken-over measure runs on to the end its pathway had at the GI before.
        "vast": np.zeros(n, dtype=bool),
        "vast_einde": np.full(n, NAT, dtype=np.int64),
        "vast_reden": np.full(n, -1, dtype=np.int16),
        # The dates of the measure before it (a follow-on or taken-over measure keeps them).
        "vorig_jeugdbeschermer": np.full(n, NAT, dtype=np.int64),
        "vorig_plan": np.full(n, NAT, dtype=np.int64),
        "vorig_hulp": np.full(n, NAT, dtype=np.int64),
    }


def _direct_rates(sim: Simulatie) -> dict[str, float]:
    """Direct starts per type, so that direct + follow-on measures give the configured mix."""
    p, rol = sim.params, sim.params.rol
    total = sum(p.jb.mix.values())
    mix = {c: w / total for c, w in p.jb.mix.items()}
    ots_reden = p.jb.ots.reden
    omgezet_ots = ots_reden.get(rol("omgezet"), 0.0) / sum(ots_reden.values())
    over_ots = ots_reden.get(rol("overgedragen"), 0.0) / sum(ots_reden.values())
    vg = p.jb.voogdij
    over_vg = vg.eerder_einde * vg.reden_eerder.get(rol("overgedragen"), 0.0) / sum(vg.reden_eerder.values())
    # OTS that reach 18 first never convert or move: estimate the others' share from the
    # age and duration distributions.
    rng = sim.rng("maatregelen", "schatting")
    start_age = ages(rng, p.jb.leeftijd, 20_000) + rng.random(20_000)
    years = rng.gamma(p.jb.ots.duur_vorm, p.jb.ots.duur_jaren_gemiddeld / p.jb.ots.duur_vorm, 20_000)
    not_adult = float(np.mean(start_age + years < 18))
    rates = dict(mix)
    if rol("ots") in mix:
        rates[rol("ots")] = mix[rol("ots")] * (1 - over_ots * not_adult)
        rates[rol("ots")] -= mix.get(rol("voorlopige_ots"), 0.0) * p.jb.voorlopige_ots.omgezet
    if rol("voogdij") in mix:
        rates[rol("voogdij")] = mix[rol("voogdij")] * (1 - over_vg)
        rates[rol("voogdij")] -= mix.get(rol("voorlopige_voogdij"), 0.0) * p.jb.voorlopige_voogdij.omgezet
        rates[rol("voogdij")] -= mix.get(rol("ots"), 0.0) * omgezet_ots * not_adult
    bad = [c for c, r in rates.items() if r < 0]
    if bad:
        raise ValueError(f"parameters.yaml: jb.mix leaves no room for direct {', '.join(bad)} after follow-on measures")
    return rates


def _raad_modus(sim: Simulatie, rng: np.random.Generator, code: str, n: int) -> np.ndarray:
    p, rol = sim.params, sim.params.rol
    u = rng.random(n)
    if code in (rol("voorlopige_ots"), rol("voorlopige_voogdij")):
        before, during = p.rvdk.voorlopig.get("voorafgaand", 0.0), p.rvdk.voorlopig.get("tijdens", 0.0)
        return np.where(u < before, VOORAFGAAND, np.where(u < before + during, TIJDENS, GEEN))
    return np.where(u < p.rvdk.met_onderzoek.get(code, 0.0), NIEUW, GEEN)


def direct_jb(sim: Simulatie) -> Tabel:
    """New JB measures that start a child's pathway, per region and month."""
    p, rol = sim.params, sim.params.rol
    rng = sim.rng("maatregelen", "jb")
    months = sim.venster(p.inloop_jaren["jb"])
    kans = sim.netwerk.gi_kans["JB"]
    lam = maandvolumes(p.jaartabel("jb_nieuw"), months, sim.netwerk.aandeel(kans), sim.schaal)
    codes = sim.codes("maatregel_type")
    parts = []
    for code, rate in _direct_rates(sim).items():
        regio, maand = poisson_records(rng, lam * rate)
        uitspraak = sim.werkdagen.volgende(dagen_in_maanden(rng, months, maand)).astype(np.int64)
        weights = p.jb.leeftijd_voogdij if code in (rol("voogdij"), rol("voorlopige_voogdij")) else p.jb.leeftijd
        # JB pathways end at 18, so a child made younger would distort the stock: such children
        # (born too early for the geboortejaar rules of the latest delivery) are left out instead.
        kind = _geboren(sim, rng, regio, uitspraak, ages(rng, weights, len(regio)), raise_=False, kader="JB")
        gi = sim.netwerk.kies(rng, kans, regio)
        n = len(regio)
        t = _nieuw(
            kind,
            regio,
            gi,
            np.full(n, codes.index(code)),
            uitspraak,
            _raad_modus(sim, rng, code, n),
            np.full(n, DIRECT),
        )
        geboorte = sim.kinderen.geboortedag[kind]
        parts.append(select(t, (gi >= 0) & (geboorte <= uitspraak) & (geboorte >= sim.kinderen.min_geboortedag)))
    return concat(parts)


def direct_jr(sim: Simulatie, jb: Tabel) -> Tabel:
    """New JR measures; JR_SAMENLOOP goes to children who have an OTS running at the time."""
    p, rol = sim.params, sim.params.rol
    rng = sim.rng("maatregelen", "jr")
    months = sim.venster(p.inloop_jaren["jr"])
    kans = sim.netwerk.gi_kans["JR"]
    lam = maandvolumes(p.jaartabel("jr_nieuw"), months, sim.netwerk.aandeel(kans), sim.schaal)
    codes = sim.codes("maatregel_type")
    total = sum(p.jr.mix.values())
    parts = []
    for code, weight in p.jr.mix.items():
        regio, maand = poisson_records(rng, lam * weight / total)
        uitspraak = sim.werkdagen.volgende(dagen_in_maanden(rng, months, maand)).astype(np.int64)
        n = len(regio)
        raad = np.where(rng.random(n) < p.jr.met_strafonderzoek, STRAF, GEEN)
        if code == rol("jr_samenloop"):
            parts.append(_samenloop(sim, rng, jb, regio, uitspraak, raad, codes.index(code)))
            continue
        leeftijd = ages(rng, p.jr.leeftijd, n, first=p.jr.leeftijd_van)
        kind = _geboren(sim, rng, regio, uitspraak, leeftijd, True, kader="JR")
        gi = sim.netwerk.kies(rng, kans, regio)
        t = _nieuw(kind, regio, gi, np.full(n, codes.index(code)), uitspraak, raad, np.full(n, DIRECT))
        parts.append(select(t, (gi >= 0) & (sim.kinderen.geboortedag[kind] <= uitspraak)))
    return concat(parts)


def _samenloop(sim: Simulatie, rng, jb: Tabel, regio, uitspraak, raad, code: int) -> Tabel:
    """JR measures for children aged 12+ with a running OTS in the region, at the same GI."""
    ots = sim.code("maatregel_type", sim.params.rol("ots"))
    twaalf = plus_jaren(sim.kinderen.geboortedag[jb["kind"]], 12) if lengte(jb) else np.zeros(0)
    picks = np.full(len(regio), -1, dtype=np.int64)
    for i in range(len(regio)):
        candidates = np.flatnonzero(
            (jb["type"] == ots)
            & (jb["regio"] == regio[i])
            & (jb["uitspraak"] < uitspraak[i])
            & (jb["einde"] > uitspraak[i])
            & (twaalf <= uitspraak[i])
        )
        if len(candidates):
            picks[i] = candidates[rng.integers(0, len(candidates))]
    ok = picks >= 0
    picks = picks[ok]
    return _nieuw(
        jb["kind"][picks],
        regio[ok],
        jb["gi"][picks],
        np.full(int(ok.sum()), code),
        uitspraak[ok],
        raad[ok],
        np.full(int(ok.sum()), DIRECT),
    )


def _einde(sim: Simulatie, rng: np.random.Generator, t: Tabel, geboorte: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """End day and reden_einde per measure, from its type's pathway; JB ends at 18 at the latest."""
    p, rol = sim.params, sim.params.rol
    reden_codes = sim.codes("reden_einde")
    n = lengte(t)
    typ, uitspraak = t["type"], t["uitspraak"]
    einde = np.full(n, NAT, dtype=np.int64)
    reden = np.full(n, -1, dtype=np.int16)
    omgezet, adult = sim.code("reden_einde", rol("omgezet")), sim.code("reden_einde", rol("meerderjarig"))
    kaders = np.array([sim.defs.kader(c) or "" for c in sim.codes("maatregel_type")], dtype=object)
    is_jb = kaders[typ] == "JB"
    handled = np.zeros(n, dtype=bool)

    for rol_v, cfg in (
        (rol("voorlopige_ots"), p.jb.voorlopige_ots),
        (rol("voorlopige_voogdij"), p.jb.voorlopige_voogdij),
    ):
        m = typ == sim.code("maatregel_type", rol_v)
        k = int(m.sum())
        conv = rng.random(k) < cfg.omgezet
        dur = np.where(conv, uniform_days(rng, cfg.duur_omgezet, k), uniform_days(rng, cfg.duur_anders, k))
        e = uitspraak[m] + dur
        # The court rules on working days; the follow-on measure starts on this end day.
        e = np.where(conv, np.maximum(sim.werkdagen.vorige(e), uitspraak[m] + 1), e)
        einde[m] = e
        reden[m] = np.where(conv, omgezet, choose(rng, cfg.reden_anders, k, reden_codes))
        handled |= m

    m = typ == sim.code("maatregel_type", rol("voogdij"))
    k = int(m.sum())
    vg = p.jb.voogdij
    early = rng.random(k) < vg.eerder_einde
    lo, hi = vg.eerder_einde_jaren
    einde[m] = np.where(early, uitspraak[m] + np.round(rng.uniform(lo, hi, k) * 365.25), NAT)
    reden[m] = np.where(early, choose(rng, vg.reden_eerder, k, reden_codes), adult)
    handled |= m

    # OTS and any other JB type: a gamma-distributed duration in years.
    m = is_jb & ~handled
    k = int(m.sum())
    ots = p.jb.ots
    years = rng.gamma(ots.duur_vorm, ots.duur_jaren_gemiddeld / ots.duur_vorm, k)
    einde[m] = uitspraak[m] + np.clip(np.round(years * 365.25), ots.duur_min, ots.duur_max)
    reden[m] = choose(rng, ots.reden, k, reden_codes)

    m = ~is_jb
    k = int(m.sum())
    jr = p.jr
    months = rng.gamma(jr.duur_vorm, jr.duur_maanden_gemiddeld / jr.duur_vorm, k)
    einde[m] = uitspraak[m] + np.maximum(np.round(months * 30.44), jr.duur_min)
    reden[m] = choose(rng, jr.reden, k, reden_codes)

    achttien = plus_jaren(geboorte, 18).astype(np.int64)
    adult_first = is_jb & (achttien <= einde)
    einde[adult_first] = achttien[adult_first]
    reden[adult_first] = adult
    # A measure taken over from another GI keeps the end its pathway already had.
    vast = t["vast"]
    einde[vast] = t["vast_einde"][vast]
    reden[vast] = t["vast_reden"][vast]
    return einde, reden


def _uitvoering(sim: Simulatie, rng: np.random.Generator, t: Tabel, einde: np.ndarray) -> Tabel:
    """The GI's dates: in kennisstelling, jeugdbeschermer, plan van aanpak, passende hulp.

    A measure taken over from another GI counts from the take-over (its own kennisstelling
    and a worker of its own) and keeps the plan and the help; a follow-on measure at the same
    GI (OMGEZET) keeps the worker too. Kept dates lie before the measure's own datum_uitspraak.
    """
    u = sim.params.uitvoering
    n = lengte(t)
    begin = np.where(t["start_gi"] < NAT, t["start_gi"], t["uitspraak"])
    kennis = begin + piecewise_days(rng, u.kennisstelling, n, 0)
    werkdagen = piecewise_days(rng, u.jeugdbeschermer_werkdagen, n, 0)
    beschermer = sim.werkdagen.plus(kennis, werkdagen).astype(np.int64)
    for code, wacht in u.wachtlijst.items():
        if code in sim.netwerk.gi:
            m = (t["gi"] == sim.netwerk.gi.index(code)) & (rng.random(n) < wacht.aandeel)
            waits = wacht.minimaal_dagen + np.round(rng.exponential(wacht.gemiddelde_dagen, int(m.sum())))
            beschermer[m] = kennis[m] + waits.astype(np.int64)
    vervolg = t["herkomst"] == OMGEZET
    opvolger = vervolg | (t["herkomst"] == OVERDRACHT)
    same = vervolg & (t["vorig_jeugdbeschermer"] < NAT) & (rng.random(n) < u.vervolg_zelfde_jeugdbeschermer)
    beschermer[same] = t["vorig_jeugdbeschermer"][same]
    plan = begin + piecewise_days(rng, u.plan_van_aanpak, n, 10**6)
    keep_plan = opvolger & (t["vorig_plan"] < NAT) & (rng.random(n) < u.vervolg_zelfde_plan)
    plan[keep_plan] = t["vorig_plan"][keep_plan]
    hulp = begin + piecewise_days(rng, u.passende_hulp, n, 10**6)
    keep_hulp = opvolger & (t["vorig_hulp"] < NAT) & (rng.random(n) < u.vervolg_zelfde_hulp)
    hulp[keep_hulp] = t["vorig_hulp"][keep_hulp]
    # What had not happened by the end of the measure never happens.
    return {
        "kennisstelling": kennis,
        "jeugdbeschermer": np.where(beschermer <= einde, beschermer, NAT),
        "plan": np.where(plan <= einde, plan, NAT),
        "hulp": np.where(hulp <= einde, hulp, NAT),
    }


def _scheiding(sim: Simulatie, rng: np.random.Generator, typ: np.ndarray) -> np.ndarray:
    codes = sim.codes("maatregel_type")
    table = sim.params.jb.scheiding
    p_true = np.array([table.get(c, table["standaard"])[0] for c in codes])[typ]
    p_false = np.array([table.get(c, table["standaard"])[1] for c in codes])[typ]
    u = rng.random(len(typ))
    return np.where(u < p_true, 1, np.where(u < p_true + p_false, 0, -1)).astype(np.int8)


def _kaders(sim: Simulatie, typ: np.ndarray) -> np.ndarray:
    return np.array([sim.defs.kader(c) or "" for c in sim.codes("maatregel_type")], dtype=object)[typ]


def _overdrachten(
    sim: Simulatie, rng: np.random.Generator, t: Tabel, einde: np.ndarray, reden: np.ndarray
) -> tuple[Tabel, np.ndarray]:
    """Hand-overs after a move into another GI's area; ends the handed-over measures (in place) and returns
    the measures the receiving GIs take over (same type and datum_uitspraak, datum_start_bij_gi later) with
    the row of the measure each continues."""
    v = sim.params.verhuizing
    kin = sim.kinderen
    n = lengte(t)
    kind = t["kind"]
    verhuis = kin.verhuisdag[kind]
    # Only a measure still in the region the child leaves (a taken-over one already moved).
    leaves = (verhuis < NAT) & (kin.regio_na[kind] != kin.regio[kind]) & (t["regio"] == kin.regio[kind])
    kaders = _kaders(sim, t["type"])
    serves = np.ones(n, dtype=bool)
    new_gi = np.full(n, -1, dtype=np.int32)
    for kader, kans in sim.netwerk.gi_kans.items():
        m = leaves & (kaders == kader)
        if not m.any():
            continue
        serves[m] = kans[kin.regio_na[kind[m]], t["gi"][m]] > 0
        new_gi[m] = sim.netwerk.kies(rng, kans, kin.regio_na[kind[m]])
    begin = np.where(t["start_gi"] < NAT, t["start_gi"], t["uitspraak"])
    overdracht = np.maximum(verhuis, begin) + uniform_days(rng, v.overdracht_na_verhuizing, n)
    overname = overdracht + uniform_days(rng, v.overname_na_einde, n)
    over = leaves & ~serves & (new_gi >= 0) & (overname + v.minimale_rest_dagen <= einde)
    # The measure ends at the old GI on the hand-over date; its pathway goes on at the new one.
    vast_einde, vast_reden = einde[over].copy(), reden[over].copy()
    einde[over] = overdracht[over]
    reden[over] = sim.code("reden_einde", sim.params.rol("overgedragen"))
    k = int(over.sum())
    taken = _nieuw(
        kind[over],
        kin.regio_na[kind[over]],
        new_gi[over],
        t["type"][over],
        t["uitspraak"][over],
        np.full(k, GEEN),
        np.full(k, OVERDRACHT),
    )
    taken["start_gi"] = overname[over]
    taken["vast"][:] = True
    taken["vast_einde"] = vast_einde
    taken["vast_reden"] = vast_reden
    in_time = overname[over] <= sim.horizon_dag
    return select(taken, in_time), np.flatnonzero(over)[in_time]


def _verloop(sim: Simulatie, t: Tabel, generatie: int, naam: str) -> tuple[Tabel, Tabel]:
    """Complete a batch of measures; return it and the follow-on and taken-over measures it leads to."""
    rol = sim.params.rol
    rng = sim.rng("maatregelen", naam, str(generatie))
    geboorte = sim.kinderen.geboortedag[t["kind"]]
    einde, reden = _einde(sim, rng, t, geboorte)
    overgenomen, bron_rij = _overdrachten(sim, sim.rng("overdracht", naam, str(generatie)), t, einde, reden)

    code = sim.codes("maatregel_type").index
    volgt = {
        code(rol("voorlopige_ots")): code(rol("ots")),
        code(rol("voorlopige_voogdij")): code(rol("voogdij")),
        code(rol("ots")): code(rol("voogdij")),
    }
    n = lengte(t)
    omgezet = (reden == sim.code("reden_einde", rol("omgezet"))) & np.isin(t["type"], list(volgt))
    # The court rules on the follow-on measure the day the measure before it ends or within a week.
    gap = piecewise_days(rng, sim.params.uitvoering.vervolg_uitspraak_na_einde, n, 0)
    volgende = np.where(gap > 0, sim.werkdagen.volgende(einde + gap), einde).astype(np.int64)
    # A follow-on the child would be too old for (year difference, as the contract checks) is not
    # pronounced: the measure simply ends.
    te_oud = jaar_van(volgende) - jaar_van(geboorte) > max_leeftijd(sim, "JB")
    te_oud |= plus_jaren(geboorte, 18) <= volgende
    stops = omgezet & te_oud
    reden = np.where(stops, sim.code("reden_einde", rol("overig")), reden).astype(np.int16)
    omgezet &= ~stops
    t = dict(t, einde=einde, reden=reden, **_uitvoering(sim, rng, t, einde), scheiding=_scheiding(sim, rng, t["type"]))

    next_type = np.array([volgt.get(int(x), -1) for x in range(len(sim.codes("maatregel_type")))])[t["type"]]
    from_ots = t["type"] == code(rol("ots"))
    raad = np.where(from_ots, GEZAG, np.where(np.isin(t["raad"], [VOORAFGAAND, TIJDENS, GEDEELD]), GEDEELD, GEEN))
    vervolg = _nieuw(t["kind"], t["regio"], t["gi"], next_type, volgende, raad, np.full(n, OMGEZET))
    for veld in ("jeugdbeschermer", "plan", "hulp"):
        vervolg[f"vorig_{veld}"] = t[veld]
    follow = [select(vervolg, omgezet & (volgende <= sim.horizon_dag))]
    # The receiving GI keeps plan and help of the measure it takes over (the worker is its own).
    for veld in ("jeugdbeschermer", "plan", "hulp"):
        overgenomen[f"vorig_{veld}"] = t[veld][bron_rij]
    follow.append(overgenomen)
    return t, concat(follow)


def _doorloop(sim: Simulatie, batch: Tabel, naam: str) -> Tabel:
    done = []
    for generatie in range(MAX_GENERATIES):
        if not lengte(batch):
            break
        complete, batch = _verloop(sim, batch, generatie, naam)
        done.append(complete)
    return concat(done)


def simuleer(sim: Simulatie) -> Tabel:
    """All measures of all GIs that were open at any time since the monitor's start (the truth)."""
    jb = _doorloop(sim, direct_jb(sim), "jb")
    jr = _doorloop(sim, direct_jr(sim, jb), "jr")
    alle = concat([jb, jr])
    begin = np.where(alle["start_gi"] < NAT, alle["start_gi"], alle["uitspraak"])
    keep = (begin <= sim.horizon_dag) & (alle["einde"] >= sim.start_dag)
    alle = select(alle, keep)
    alle["geboortejaar"] = jaar_van(sim.kinderen.geboortedag[alle["kind"]])
    return alle
