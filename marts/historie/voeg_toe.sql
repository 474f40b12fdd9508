-- Fold one delivery (peildatum later than every one folded in so far) into the history.
-- Months whose last day lies after the previous delivery's peildatum (vorige_peildatum) now
-- take their municipality from this delivery or a later one (section 4.5: the earliest
-- delivery on or after the month's end), so a changed municipality starts in the month of
-- the day after the previous peildatum. A record seen for the first time is valid for all
-- months: no earlier delivery holds it.
CREATE OR REPLACE TEMP TABLE historie_nieuw AS
SELECT DISTINCT ON (record_sleutel) {sleutel} AS record_sleutel, gemeente_code
FROM read_parquet($bestand)
ORDER BY record_sleutel, gemeente_code;

CREATE OR REPLACE TEMP TABLE historie_gewijzigd AS
SELECT n.record_sleutel, n.gemeente_code, o.record_sleutel IS NULL AS nieuw
FROM historie_nieuw AS n
LEFT JOIN (
    SELECT record_sleutel, gemeente_code
    FROM historie.gemeenten
    WHERE bron = $bron AND organisatie_code = $organisatie_code AND tot_periode = DATE 'infinity'
) AS o USING (record_sleutel)
WHERE o.record_sleutel IS NULL OR o.gemeente_code IS DISTINCT FROM n.gemeente_code;

UPDATE historie.gemeenten AS h
SET tot_periode = date_trunc('month', $vorige_peildatum::DATE + 1)::DATE
FROM historie_gewijzigd AS g
WHERE h.bron = $bron AND h.organisatie_code = $organisatie_code AND h.tot_periode = DATE 'infinity'
    AND h.record_sleutel = g.record_sleutel AND NOT g.nieuw;

INSERT INTO historie.gemeenten
SELECT
    $bron,
    $organisatie_code,
    record_sleutel,
    gemeente_code,
    CASE WHEN nieuw OR $vorige_peildatum IS NULL THEN DATE '-infinity'
        ELSE date_trunc('month', $vorige_peildatum::DATE + 1)::DATE END,
    DATE 'infinity'
FROM historie_gewijzigd;

-- Two deliveries in one month leave an interval of no months: drop it.
DELETE FROM historie.gemeenten
WHERE bron = $bron AND organisatie_code = $organisatie_code AND van_periode >= tot_periode;

INSERT INTO historie.opgenomen VALUES ($bron, $organisatie_code, $peildatum, $levering_id, $sha256, $definities_versie);

DROP TABLE historie_nieuw;
DROP TABLE historie_gewijzigd;
