-- Every accepted delivery of one bron under the current definitions, one per organisation
-- and peildatum: for a peildatum delivered more than once, the version that came into the
-- inbox last (meta.inbox_versies: an earlier version put back under its name is in force
-- again), then the latest processed. A quarantined delivery never counts, so the previous
-- accepted one stays in force; a file removed from the inbox keeps its place. The delivery in
-- force of an organisation is its row with the latest peildatum (an older delivery arriving
-- late never replaces a newer one, marts/registry.py current_deliveries); the superseded
-- peildatums tell the region by month (marts/historie.py).
WITH aankomst AS (
    SELECT levering_id, sha256, max(volgnummer) AS volgnummer
    FROM meta.inbox_versies
    GROUP BY levering_id, sha256
)
SELECT l.organisatie_code, l.peildatum, l.levering_id, l.sha256, l.genormaliseerd_pad
FROM meta.leveringen AS l
LEFT JOIN aankomst AS a USING (levering_id, sha256)
WHERE l.bron = $bron AND l.status = 'geaccepteerd' AND l.definities_versie = $definities_versie
QUALIFY row_number() OVER (
    PARTITION BY l.organisatie_code, l.peildatum
    ORDER BY a.volgnummer DESC NULLS LAST, l.verwerkt_op DESC, l.levering_id DESC
) = 1
ORDER BY l.organisatie_code, l.peildatum;
