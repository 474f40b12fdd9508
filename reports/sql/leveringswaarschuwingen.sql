-- Warning-level rule results of the deliveries in force (accepted, latest peildatum per
-- organisation and bron): what the board should know about the data the figures rest on.
WITH in_gebruik AS (
    SELECT levering_id, sha256
    FROM meta.leveringen
    WHERE definities_versie = $definities_versie AND status = 'geaccepteerd'
    QUALIFY row_number() OVER (PARTITION BY organisatie_code, bron ORDER BY peildatum DESC, verwerkt_op DESC) = 1
)
SELECT r.levering_id, r.code, r.kolom, r.aantal, r.melding_nl
FROM meta.regelresultaten AS r
JOIN in_gebruik USING (levering_id, sha256)
WHERE r.definities_versie = $definities_versie AND r.ernst = 'warning'
ORDER BY r.levering_id, r.code;
