"""The whole chain in order: GI measures -> the Raad's investigations before them -> Veilig Thuis reports
before those, plus each partner's other traffic; then one Registratie per organisation and bron."""

from __future__ import annotations

import numpy as np

from . import capaciteit, maatregelen, raad, veilig_thuis
from .registraties import Registratie, maak, per_organisatie
from .simulatie import Simulatie


def simuleer(sim: Simulatie) -> list[Registratie]:
    """The truth of every organisation in the reference data, for each bron its type delivers."""
    m = maatregelen.simuleer(sim)
    o = raad.simuleer(sim, m)
    v = veilig_thuis.simuleer(sim, o)
    cap = capaciteit.simuleer(sim, m)

    used = np.zeros(len(sim.kinderen), dtype=bool)
    for tabel in (m, o, v):
        # An anonymous advice request needs no kind_id: hashing is the costly part of a national run.
        used[tabel["kind"][~tabel["anoniem"]] if "anoniem" in tabel else tabel["kind"]] = True
    kind_ids = sim.kinderen.kind_ids(sim.rng("pseudoniemen"), used, sim.params.pseudonimisering.aandeel_voorloopnul)

    net = sim.netwerk
    per_bron = {
        "gi_maatregelen": dict(zip(net.gi, per_organisatie(sim, m, net.gi, "gi_maatregelen", kind_ids), strict=True)),
        "vt_meldingen": dict(zip(net.vt, per_organisatie(sim, v, net.vt, "vt_meldingen", kind_ids), strict=True)),
        "rvdk_onderzoeken": dict(
            zip(net.rvdk, per_organisatie(sim, o, net.rvdk, "rvdk_onderzoeken", kind_ids), strict=True)
        ),
        "gi_capaciteit": {code: maak(sim, code, "gi_capaciteit", cap[code], None) for code in net.gi},
    }
    result = []
    for org in sorted(sim.defs.organisaties, key=lambda o: o.organisatie_code):
        for bron in sorted(sim.defs.bronnen_voor(org.organisatie_type)):
            if bron not in per_bron:
                raise ValueError(f"the generator does not know bron {bron}")
            result.append(per_bron[bron][org.organisatie_code])
    return result
