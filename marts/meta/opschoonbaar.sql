-- The file versions the bewaartermijn lets go (marts/opschonen.py): every processed version of a
-- delivery, accepted or quarantined, whose peildatum lies before $grens and before the peildatum
-- in force of its organisation and bron (the latest accepted one under the current definitions).
-- Such a version can never be in force again: an older peildatum never replaces a newer one, and
-- only versions of the peildatum in force can come back (put back under their name). A delivery
-- without a known organisation, bron or peildatum (an unusable file name) is never judged.
-- `in_historie`: folded into the region history, so its history is frozen before its typed copy goes.
WITH in_gebruik AS (
    SELECT organisatie_code, bron, max(peildatum) AS peildatum
    FROM meta.leveringen
    WHERE status = 'geaccepteerd' AND definities_versie = $definities_versie
    GROUP BY organisatie_code, bron
),
versies AS (
    -- One row per file version, whatever definitions versions it was processed under.
    SELECT
        levering_id,
        sha256,
        organisatie_code,
        bron,
        peildatum,
        arg_max(status, verwerkt_op) AS status,
        list(DISTINCT archief_pad ORDER BY archief_pad) AS archief_paden,
        list(DISTINCT genormaliseerd_pad ORDER BY genormaliseerd_pad) FILTER (WHERE genormaliseerd_pad IS NOT NULL)
            AS genormaliseerd_paden
    FROM meta.leveringen
    WHERE organisatie_code IS NOT NULL AND bron IS NOT NULL AND peildatum IS NOT NULL
    GROUP BY levering_id, sha256, organisatie_code, bron, peildatum
)
SELECT
    v.levering_id,
    v.sha256,
    v.organisatie_code,
    v.bron,
    v.peildatum,
    v.status,
    v.archief_paden,
    coalesce(v.genormaliseerd_paden, []) AS genormaliseerd_paden,
    EXISTS (
        SELECT 1 FROM historie.opgenomen AS o
        WHERE o.bron = v.bron AND o.levering_id = v.levering_id AND o.sha256 = v.sha256
    ) AS in_historie
FROM versies AS v
JOIN in_gebruik AS g USING (organisatie_code, bron)
WHERE v.peildatum < g.peildatum AND v.peildatum < $grens
ORDER BY v.organisatie_code, v.bron, v.peildatum, v.levering_id, v.sha256;
