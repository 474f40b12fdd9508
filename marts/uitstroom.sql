-- marts.uitstroom: outflow per period (docs/contract.md section 4.3): GI measures by month of
-- datum_einde per reden_einde (a measure handed over ends at the handing GI with
-- OVERGEDRAGEN), VT cases by month of datum_afgerond per vervolg, RvdK investigations by
-- month of datum_afgerond per uitkomst, with the mean and median duration in calendar days
-- (end - start: datum_uitspraak, datum_ontvangst, datum_verzoek). The median needs the
-- cases: each case is joined to every period complete for its organisation that holds its
-- month (modellen.perioden), never averaged from months. Region by month as in instroom;
-- TOTAAL roll-ups as in instroom.
-- Stored unsorted: whoever reads it sorts (the exports by key), and sorting millions of rows costs.
CREATE OR REPLACE TABLE marts.uitstroom AS
WITH alle_beeindigd AS (
    SELECT 'gi_maatregelen' AS bron, organisatie_code, record_sleutel, reden_einde AS categorie,
        datum_uitspraak AS begin, datum_einde AS einde, celsleutel
    FROM staging.gi_maatregelen
    WHERE datum_einde IS NOT NULL
    UNION ALL
    SELECT 'vt_meldingen', organisatie_code, record_sleutel, vervolg, datum_ontvangst, datum_afgerond, celsleutel
    FROM staging.vt_meldingen
    WHERE datum_afgerond IS NOT NULL
    UNION ALL
    SELECT 'rvdk_onderzoeken', organisatie_code, record_sleutel, uitkomst, datum_verzoek, datum_afgerond, celsleutel
    FROM staging.rvdk_onderzoeken
    WHERE datum_afgerond IS NOT NULL
),
-- Only the bronnen asked for ($bronnen, partitie: bron in uitstroom.yml): all of them in a full
-- build, the changed ones when the runner rebuilds one bron's rows.
beeindigd AS (
    SELECT * FROM alle_beeindigd
    WHERE list_contains($bronnen, bron)
        -- Only the cases that can fall in a period of $jaar (its first month to its last).
        AND einde >= $eerste_maand
        AND einde < $laatste_maand + INTERVAL 1 MONTH
),
gevallen AS (
    SELECT
        g.periode AS maand,
        e.bron,
        e.organisatie_code,
        g.jeugdregio_code,
        g.gemeente_code,
        coalesce(e.categorie, 'ONBEKEND') AS categorie,
        -- INTEGER, not date subtraction's BIGINT: the median keeps every case's value per group and
        -- grouping set, so 4 bytes a value instead of 8 (national peak 5.7 -> 3.5 GB, same values).
        (e.einde - e.begin)::INTEGER AS duur_dagen,
        e.celsleutel
    FROM beeindigd AS e
    JOIN modellen.gemeente_per_maand AS g
        ON g.bron = e.bron
        AND g.organisatie_code = e.organisatie_code
        AND g.record_sleutel = e.record_sleutel
        AND g.periode = date_trunc('month', e.einde)::DATE
),
-- The grouping keys as small integers, decoded after the aggregation: the grouping sets hash
-- every case once per set, and integers hash several times faster than text.
cellen AS MATERIALIZED (
    SELECT
        *,
        dense_rank() OVER (ORDER BY bron)::UTINYINT AS b,
        dense_rank() OVER (ORDER BY organisatie_code)::USMALLINT AS o,
        dense_rank() OVER (ORDER BY jeugdregio_code)::USMALLINT AS r,
        dense_rank() OVER (ORDER BY gemeente_code)::USMALLINT AS g,
        dense_rank() OVER (ORDER BY categorie)::USMALLINT AS k
    FROM (SELECT DISTINCT bron, organisatie_code, jeugdregio_code, gemeente_code, categorie FROM gevallen)
),
-- One year of periods per run ($jaar, per_jaar: true in uitstroom.yml): the medians keep every
-- case of every group, and all periods at once peaked at 3.5 GB nationally (1.6 GB a year).
jaarperioden AS MATERIALIZED (
    SELECT *, dense_rank() OVER (ORDER BY periode_type, periode)::USMALLINT AS p
    FROM modellen.perioden
    WHERE year(periode) = $jaar
),
per_periode AS (
    SELECT p.p, c.b, c.o, c.r, c.g, c.k, e.duur_dagen, e.celsleutel
    FROM gevallen AS e
    JOIN cellen AS c
        ON c.bron = e.bron
        AND c.organisatie_code = e.organisatie_code
        AND c.jeugdregio_code IS NOT DISTINCT FROM e.jeugdregio_code
        AND c.gemeente_code IS NOT DISTINCT FROM e.gemeente_code
        AND c.categorie = e.categorie
    JOIN jaarperioden AS p
        ON p.bron = e.bron
        AND p.organisatie_code = e.organisatie_code
        AND p.maand = e.maand
),
per_cel AS (
    SELECT
        p, b, o, r, g, k,
        grouping(o) AS alle_o,
        grouping(r) AS alle_r,
        grouping(g) AS alle_g,
        grouping(k) AS alle_k,
        count(*) AS aantal,
        avg(duur_dagen) AS gemiddelde_duur_dagen,
        quantile_cont(duur_dagen, 0.5) AS mediaan_duur_dagen,
        sum(celsleutel) AS sleutelsom
    FROM per_periode
    GROUP BY
        p,
        b,
        GROUPING SETS ((o, r, g), (o, r), (o), (r, g), (r), ()),
        ROLLUP (k)
)
SELECT
    pp.periode_type,
    pp.periode,
    cb.bron,
    CASE WHEN c.alle_o = 1 THEN 'TOTAAL' ELSE co.organisatie_code END AS organisatie_code,
    CASE WHEN c.alle_r = 1 THEN 'TOTAAL' ELSE cr.jeugdregio_code END AS jeugdregio_code,
    CASE WHEN c.alle_g = 1 THEN 'TOTAAL' ELSE cg.gemeente_code END AS gemeente_code,
    CASE WHEN c.alle_k = 1 THEN 'TOTAAL' ELSE ck.categorie END AS categorie,
    c.aantal,
    c.gemiddelde_duur_dagen,
    c.mediaan_duur_dagen,
    -- The cell key for the exports' rounding (docs/contract.md section 5.2); never exported.
    (c.sleutelsom % 4294967296)::BIGINT AS celsleutel_aantal
FROM per_cel AS c
JOIN (SELECT DISTINCT p, periode_type, periode FROM jaarperioden) AS pp ON pp.p = c.p
JOIN (SELECT DISTINCT b, bron FROM cellen) AS cb ON cb.b = c.b
LEFT JOIN (SELECT DISTINCT o, organisatie_code FROM cellen) AS co ON co.o = c.o
LEFT JOIN (SELECT DISTINCT r, jeugdregio_code FROM cellen) AS cr ON cr.r = c.r
LEFT JOIN (SELECT DISTINCT g, gemeente_code FROM cellen) AS cg ON cg.g = c.g
LEFT JOIN (SELECT DISTINCT k, categorie FROM cellen) AS ck ON ck.k = c.k;
