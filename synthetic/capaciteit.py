"""Staff per GI per month (gi_capaciteit): FTE follow the running measures at a caseload per FTE."""

from __future__ import annotations

import numpy as np

from .dates import NAT, dag, maand_einde, maanden
from .maatregelen import Tabel
from .simulatie import Simulatie


def lopend(uitspraak: np.ndarray, einde: np.ndarray, peil: np.ndarray) -> np.ndarray:
    """Measures running on each peildatum: started on or before it, not ended on or before it (CBS)."""
    started = np.searchsorted(np.sort(uitspraak), peil, side="right")
    ended = np.searchsorted(np.sort(einde), peil, side="right")
    return started - ended


def simuleer(sim: Simulatie, maatregelen: Tabel) -> dict[str, dict[str, np.ndarray]]:
    """Per GI code the monthly rows from the monitor's start to the horizon (internal field names)."""
    c = sim.params.capaciteit
    peil = np.array([dag(maand_einde(m.year, m.month)) for m in maanden(sim.startdatum, sim.horizon)], dtype=np.int64)
    kaders = np.array([sim.defs.kader(code) or "" for code in sim.codes("maatregel_type")], dtype=object)
    kader = kaders[maatregelen["type"]]
    month_of_year = np.array([m.month for m in maanden(sim.startdatum, sim.horizon)])
    result = {}
    for gi_index, code in enumerate(sim.netwerk.gi):
        rng = sim.rng("capaciteit", code)
        mine = maatregelen["gi"] == gi_index
        n = len(peil)
        fte = {}
        for k, caseload in (("JB", c.caseload_jb_per_gi.get(code, c.caseload_jb)), ("JR", c.caseload_jr)):
            m = mine & (kader == k)
            # A measure taken over runs at this GI from its datum_start_bij_gi.
            begin = np.where(maatregelen["start_gi"] < NAT, maatregelen["start_gi"], maatregelen["uitspraak"])
            running = lopend(begin[m], maatregelen["einde"][m], peil)
            noise = 1.0 + rng.uniform(-c.ruis_pct, c.ruis_pct, n) / 100.0
            fte[k] = np.round(running / caseload * noise, 1)
        fte["JB"] = np.maximum(fte["JB"], c.fte_jeugdbeschermer_minimaal)
        total = fte["JB"] + fte["JR"]
        verzuim = (
            c.verzuim_pct_per_gi.get(code, c.verzuim_pct)
            + c.verzuim_seizoen * np.cos((month_of_year - 1) / 12.0 * 2 * np.pi)
            + rng.normal(0, c.verzuim_ruis, n)
        )
        result[code] = {
            "peildatum": peil,
            "fte_jb": fte["JB"],
            "fte_jr": fte["JR"],
            "instroom": rng.poisson(total * c.instroom_per_fte),
            "uitstroom": rng.poisson(total * c.uitstroom_per_fte_per_gi.get(code, c.uitstroom_per_fte)),
            "verzuim": np.round(np.clip(verzuim, *c.verzuim_grenzen), 1),
        }
    return result
