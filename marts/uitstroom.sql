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
    SELECT * FROM alle_beeindigd WHERE list_contains($bronnen, bron)
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
-- One year of periods per run ($jaar, per_jaar: true in uitstroom.yml): the medians keep every
-- case of every group, and all periods at once peaked at 3.5 GB nationally (1.6 GB a year).
per_periode AS (
    SELECT p.periode_type, p.periode, c.*
    FROM gevallen AS c
    JOIN modellen.perioden AS p
        ON p.bron = c.bron
        AND p.organisatie_code = c.organisatie_code
        AND p.maand = c.maand
    WHERE year(p.periode) = $jaar
)
SELECT
    periode_type,
    periode,
    bron,
    CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    CASE WHEN grouping(gemeente_code) = 1 THEN 'TOTAAL' ELSE gemeente_code END AS gemeente_code,
    CASE WHEN grouping(categorie) = 1 THEN 'TOTAAL' ELSE categorie END AS categorie,
    count(*) AS aantal,
    avg(duur_dagen) AS gemiddelde_duur_dagen,
    quantile_cont(duur_dagen, 0.5) AS mediaan_duur_dagen,
    -- The cell key for the exports' rounding (docs/contract.md section 5.2); never exported.
    (sum(celsleutel) % 4294967296)::BIGINT AS celsleutel_aantal
FROM per_periode
GROUP BY
    periode_type,
    periode,
    bron,
    GROUPING SETS (
        (organisatie_code, jeugdregio_code, gemeente_code),
        (organisatie_code, jeugdregio_code),
        (organisatie_code),
        (jeugdregio_code, gemeente_code),
        (jeugdregio_code),
        ()
    ),
    ROLLUP (categorie);
