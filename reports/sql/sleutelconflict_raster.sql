-- The delivery grid's fingerprint marks (issue 16): per organisation, bron and month, the
-- jeugdregio's in which its delivery's key fingerprint differs from the one most of the region's
-- organisations used that month (marts.sleutelconflicten; the latest delivery of the month, as
-- marts/sleutelconflicten.sql counts it). With no single most used fingerprint every delivery
-- involved is marked.
WITH laatste AS (
    SELECT *, date_trunc('month', peildatum)::DATE AS maand
    FROM meta.sleutel_vingerafdrukken
    QUALIFY dense_rank() OVER (
        PARTITION BY organisatie_code, bron, date_trunc('month', peildatum)
        ORDER BY peildatum DESC, coalesce(volgnummer, 0) DESC, levering_id DESC, sha256 DESC
    ) = 1
),
gebruik AS (
    SELECT
        l.jeugdregio_code,
        l.maand,
        l.sleutel_vingerafdruk,
        count(DISTINCT l.organisatie_code) AS organisaties
    FROM laatste AS l
    JOIN marts.sleutelconflicten AS c USING (jeugdregio_code, maand)
    GROUP BY ALL
),
meest AS (
    -- The most used fingerprint of a region and month, when one is.
    SELECT jeugdregio_code, maand, any_value(sleutel_vingerafdruk) AS sleutel_vingerafdruk
    FROM (
        SELECT *, rank() OVER (PARTITION BY jeugdregio_code, maand ORDER BY organisaties DESC) AS rang
        FROM gebruik
    )
    WHERE rang = 1
    GROUP BY jeugdregio_code, maand
    HAVING count(*) = 1
)
SELECT l.organisatie_code, l.bron, l.maand, string_agg(DISTINCT l.jeugdregio_code, ', ' ORDER BY l.jeugdregio_code)
FROM laatste AS l
JOIN marts.sleutelconflicten AS c USING (jeugdregio_code, maand)
LEFT JOIN meest AS m USING (jeugdregio_code, maand)
WHERE m.sleutel_vingerafdruk IS NULL OR m.sleutel_vingerafdruk <> l.sleutel_vingerafdruk
GROUP BY l.organisatie_code, l.bron, l.maand
ORDER BY ALL;
