-- The delivery in force per organisation for one bron: the accepted one with the latest
-- peildatum (an older delivery arriving late never replaces a newer one); for the same
-- peildatum the version that came into the inbox last (meta.inbox_versies: an earlier version
-- put back under its name is in force again), then the latest processed. A quarantined
-- delivery never counts, so the previous accepted one stays in force. A file removed from the
-- inbox keeps its place.
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
    PARTITION BY l.organisatie_code
    ORDER BY l.peildatum DESC, a.volgnummer DESC NULLS LAST, l.verwerkt_op DESC, l.levering_id DESC
) = 1
ORDER BY l.organisatie_code;
