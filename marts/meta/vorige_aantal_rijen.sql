-- Row count of the organisation's current accepted delivery of this bron before this peildatum
-- (the comparison of warning rule ALG-OMV-001): for the same peildatum the version that came
-- into the inbox last, as in marts/meta/geaccepteerde_leveringen.sql.
WITH aankomst AS (
    SELECT levering_id, sha256, max(volgnummer) AS volgnummer
    FROM meta.inbox_versies
    GROUP BY levering_id, sha256
)
SELECT l.aantal_rijen
FROM meta.leveringen AS l
LEFT JOIN aankomst AS a USING (levering_id, sha256)
WHERE l.organisatie_code = $organisatie_code AND l.bron = $bron AND l.status = 'geaccepteerd'
  AND l.peildatum < $peildatum
ORDER BY l.peildatum DESC, a.volgnummer DESC NULLS LAST, l.verwerkt_op DESC
LIMIT 1;
