-- marts.doorlooptijden: lead times per step of the chain (docs/contract.md section 4.3),
-- counted in the month of the step's end date. VT and RvdK steps per record (kader NVT).
-- GI steps per trajectory: from the first measure's anchor (datum_in_kennisstelling,
-- datum_uitspraak) to the trajectory's event date (the earliest among its measures), counted
-- at the GI and in the region of the measure that holds that end date (the first such
-- measure on ties), per kader. GI_KENNISSTELLING_JEUGDBESCHERMER also in working days (the
-- difference of the modellen.werkdagen numbers). KETEN_MELDING_JEUGDBESCHERMER: the linked VT
-- report's receipt -> the trajectory's jeugdbeschermer (modellen.ketenschakels). Medians and
-- p90 over the period's cases (modellen.perioden); TOTAAL rows for all organisations, all
-- regions, both, and all kaders are computed from the cases.
-- Stored unsorted: whoever reads it sorts (the exports by key), and sorting millions of rows costs.
CREATE OR REPLACE TABLE marts.doorlooptijden AS
WITH eind_houders AS (
    -- Per trajectory and GI step: the measure holding the trajectory's event date.
    SELECT *
    FROM (
        SELECT
            traject_id,
            volgnummer,
            organisatie_code,
            maatregel_id,
            unnest(['GI_KENNISSTELLING_JEUGDBESCHERMER', 'GI_UITSPRAAK_PLAN', 'GI_UITSPRAAK_HULP']) AS stap,
            unnest([datum_jeugdbeschermer, datum_plan_van_aanpak, datum_passende_hulp]) AS einde
        FROM modellen.trajecten_maatregelen
    )
    WHERE einde IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY traject_id, stap ORDER BY einde, volgnummer) = 1
),
gi_stappen AS (
    SELECT
        h.stap,
        t.kader,
        h.organisatie_code,
        h.maatregel_id AS record_sleutel,
        CASE h.stap WHEN 'GI_KENNISSTELLING_JEUGDBESCHERMER' THEN t.datum_in_kennisstelling ELSE t.datum_uitspraak END
            AS begin,
        h.einde
    FROM eind_houders AS h
    JOIN modellen.trajecten AS t USING (traject_id)
),
stappen AS (
    SELECT 'VT_ONTVANGST_VERZOEK_RVDK' AS stap, 'NVT' AS kader, 'vt_meldingen' AS bron, organisatie_code,
        record_sleutel, datum_ontvangst AS begin, datum_verzoek_rvdk AS einde
    FROM staging.vt_meldingen
    UNION ALL
    SELECT 'RVDK_VERZOEK_START', 'NVT', 'rvdk_onderzoeken', organisatie_code, record_sleutel, datum_verzoek, datum_start
    FROM staging.rvdk_onderzoeken
    UNION ALL
    SELECT 'RVDK_VERZOEK_REKEST', 'NVT', 'rvdk_onderzoeken', organisatie_code, record_sleutel, datum_verzoek,
        datum_rekest
    FROM staging.rvdk_onderzoeken
    UNION ALL
    SELECT 'RVDK_VERZOEK_AFGEROND', 'NVT', 'rvdk_onderzoeken', organisatie_code, record_sleutel, datum_verzoek,
        datum_afgerond
    FROM staging.rvdk_onderzoeken
    UNION ALL
    SELECT stap, kader, 'gi_maatregelen', organisatie_code, record_sleutel, begin, einde
    FROM gi_stappen
    UNION ALL
    -- The whole chain ends with the trajectory's jeugdbeschermer, at the GI that assigned it.
    SELECT 'KETEN_MELDING_JEUGDBESCHERMER', 'JB', 'gi_maatregelen', h.organisatie_code, h.maatregel_id,
        k.datum_ontvangst, h.einde
    FROM modellen.ketenschakels AS k
    JOIN eind_houders AS h
        ON h.traject_id = k.traject_id
        AND h.stap = 'GI_KENNISSTELLING_JEUGDBESCHERMER'
    WHERE k.datum_ontvangst IS NOT NULL
),
-- Only the bronnen asked for ($bronnen, partitie: bron in doorlooptijden.yml): all of them in a
-- full build, the changed ones when the runner rebuilds one bron's rows. Each stap belongs to
-- one bron, so every row, roll-ups included, is made from one bron's cases.
gevraagd AS (
    SELECT * FROM stappen WHERE list_contains($bronnen, bron)
),
gevallen AS (
    SELECT
        g.periode AS maand,
        s.bron,
        s.organisatie_code,
        g.jeugdregio_code,
        s.stap,
        s.kader,
        s.begin,
        s.einde
    FROM gevraagd AS s
    JOIN modellen.gemeente_per_maand AS g
        ON g.bron = s.bron
        AND g.organisatie_code = s.organisatie_code
        AND g.record_sleutel = s.record_sleutel
        AND g.periode = date_trunc('month', s.einde)::DATE
    WHERE s.begin IS NOT NULL
),
in_eenheden AS (
    -- INTEGER durations: the quantile state keeps every value, 4 bytes each instead of 8 (as in uitstroom).
    SELECT maand, bron, organisatie_code, jeugdregio_code, stap, kader, 'dagen' AS eenheid,
        (einde - begin)::INTEGER AS duur
    FROM gevallen
    UNION ALL
    SELECT c.maand, c.bron, c.organisatie_code, c.jeugdregio_code, c.stap, c.kader, 'werkdagen',
        (e.werkdag_volgnummer - b.werkdag_volgnummer)::INTEGER
    FROM gevallen AS c
    JOIN modellen.werkdagen AS b ON b.datum = c.begin
    JOIN modellen.werkdagen AS e ON e.datum = c.einde
    WHERE c.stap = 'GI_KENNISSTELLING_JEUGDBESCHERMER'
),
-- The grouping keys as small integers, decoded after the aggregation: the grouping sets hash
-- every case once per set, and integers hash several times faster than text.
cellen AS MATERIALIZED (
    SELECT
        *,
        dense_rank() OVER (ORDER BY bron)::UTINYINT AS b,
        dense_rank() OVER (ORDER BY stap)::UTINYINT AS s,
        dense_rank() OVER (ORDER BY eenheid)::UTINYINT AS e,
        dense_rank() OVER (ORDER BY organisatie_code)::USMALLINT AS o,
        dense_rank() OVER (ORDER BY jeugdregio_code)::USMALLINT AS r,
        dense_rank() OVER (ORDER BY kader)::USMALLINT AS k
    FROM (SELECT DISTINCT bron, stap, eenheid, organisatie_code, jeugdregio_code, kader FROM in_eenheden)
),
perioden AS MATERIALIZED (
    SELECT *, dense_rank() OVER (ORDER BY periode_type, periode)::USMALLINT AS p
    FROM modellen.perioden
),
per_periode AS (
    SELECT p.p, c.b, c.s, c.e, c.o, c.r, c.k, x.duur
    FROM in_eenheden AS x
    JOIN cellen AS c
        ON c.bron = x.bron
        AND c.stap = x.stap
        AND c.eenheid = x.eenheid
        AND c.organisatie_code = x.organisatie_code
        AND c.jeugdregio_code IS NOT DISTINCT FROM x.jeugdregio_code
        AND c.kader IS NOT DISTINCT FROM x.kader
    JOIN perioden AS p
        ON p.bron = x.bron
        AND p.organisatie_code = x.organisatie_code
        AND p.maand = x.maand
),
per_cel AS (
    SELECT
        p, b, s, e, o, r, k,
        grouping(o) AS alle_o,
        grouping(r) AS alle_r,
        grouping(k) AS alle_k,
        count(*) AS aantal,
        avg(duur) AS gemiddelde,
        -- Median and p90 from one sorted state per group: two quantile_cont calls keep two copies
        -- of every group's values (measured: 7.1 s instead of 9.8 s national, identical values).
        quantile_cont(duur, [0.5, 0.9]) AS kwantielen
    FROM per_periode
    GROUP BY
        p,
        b,
        s,
        e,
        GROUPING SETS ((o, r), (o), (r), ()),
        ROLLUP (k)
)
SELECT
    pp.periode_type,
    pp.periode,
    CASE WHEN c.alle_o = 1 THEN 'TOTAAL' ELSE co.organisatie_code END AS organisatie_code,
    CASE WHEN c.alle_r = 1 THEN 'TOTAAL' ELSE cr.jeugdregio_code END AS jeugdregio_code,
    cs.stap,
    CASE WHEN c.alle_k = 1 THEN 'TOTAAL' ELSE ck.kader END AS kader,
    ce.eenheid,
    c.aantal,
    c.gemiddelde,
    c.kwantielen[1] AS mediaan,
    c.kwantielen[2] AS p90,
    -- Last, after the contract's columns: used by the runner, never exported.
    cb.bron
FROM per_cel AS c
JOIN (SELECT DISTINCT p, periode_type, periode FROM perioden) AS pp ON pp.p = c.p
JOIN (SELECT DISTINCT b, bron FROM cellen) AS cb ON cb.b = c.b
JOIN (SELECT DISTINCT s, stap FROM cellen) AS cs ON cs.s = c.s
JOIN (SELECT DISTINCT e, eenheid FROM cellen) AS ce ON ce.e = c.e
LEFT JOIN (SELECT DISTINCT o, organisatie_code FROM cellen) AS co ON co.o = c.o
LEFT JOIN (SELECT DISTINCT r, jeugdregio_code FROM cellen) AS cr ON cr.r = c.r
LEFT JOIN (SELECT DISTINCT k, kader FROM cellen) AS ck ON ck.k = c.k;
