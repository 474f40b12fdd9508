-- modellen.regio_per_maand: exactly one jeugdregio per gemeente_code and month, from
-- referentie.gemeenten with its validity dates (empty = open). Preference, per month:
--   1. the row valid on the month's last day (the peildatum),
--   2. else a row valid on some day of the month (a change mid-month),
--   3. else the row whose validity lies nearest to the month (a record still carrying the
--      code of a municipality that has since merged, or one that did not yet exist).
-- Ties go to the latest geldig_van, then the region code, so the choice is deterministic.
CREATE OR REPLACE TABLE modellen.regio_per_maand AS
WITH maanden AS (
    SELECT DISTINCT periode, peildatum FROM modellen.maanden
),
kandidaten AS (
    SELECT
        g.gemeente_code,
        m.periode,
        g.jeugdregio_code,
        g.geldig_van,
        coalesce(g.geldig_van, DATE '0001-01-01') AS van,
        coalesce(g.geldig_tot, DATE '9999-12-31') AS tot,
        m.peildatum
    FROM referentie.gemeenten AS g
    CROSS JOIN maanden AS m
)
SELECT gemeente_code, periode, jeugdregio_code
FROM kandidaten
QUALIFY row_number() OVER (
    PARTITION BY gemeente_code, periode
    ORDER BY
        CASE
            WHEN van <= peildatum AND peildatum <= tot THEN 0
            WHEN van <= peildatum AND tot >= periode THEN 1
            ELSE 2
        END,
        CASE
            WHEN tot < periode THEN periode - tot
            WHEN van > peildatum THEN van - peildatum
            ELSE 0
        END,
        geldig_van DESC NULLS LAST,
        jeugdregio_code
) = 1
ORDER BY gemeente_code, periode;
