-- marts.instroom: inflow per period (docs/contract.md section 4.3). GI measures by month of
-- their start at the GI (datum_uitspraak; a measure taken over from another GI by
-- datum_start_bij_gi, at the receiving GI) with soort_instroom NIEUW_TRAJECT, VERVOLG or
-- OVERDRACHT (modellen.trajecten_maatregelen); VT rows by month of datum_ontvangst, one per
-- row (a melding about two siblings counts twice); RvdK investigations by month of
-- datum_verzoek; VT and RvdK have soort_instroom NVT. categorie = maatregel_type (GI) or soort
-- (VT, RvdK). A record counts in its municipality and region of that month
-- (modellen.gemeente_per_maand). The counts are additive: summed per month at the finest
-- grain first, then over the months of every period complete for the organisation
-- (modellen.perioden), then rolled up (TOTAAL): categorie and soort_instroom in one GROUPING
-- SETS pass at the finest region grain, then each regional roll-up summed from the next finer
-- one (a sum of sums: the same integers as summing the records, at a fraction of the work).
-- Stored unsorted: whoever reads it sorts (the exports by key), and sorting millions of rows costs.
CREATE OR REPLACE TABLE marts.instroom AS
WITH alle_gebeurtenissen AS (
    -- For GI records the record key is the maatregel_id.
    SELECT 'gi_maatregelen' AS bron, organisatie_code, maatregel_id AS record_sleutel, maatregel_type AS categorie,
        soort_instroom, datum_start_hier AS datum, celsleutel
    FROM modellen.trajecten_maatregelen
    UNION ALL
    SELECT 'vt_meldingen', organisatie_code, record_sleutel, soort, 'NVT', datum_ontvangst, celsleutel
    FROM staging.vt_meldingen
    UNION ALL
    SELECT 'rvdk_onderzoeken', organisatie_code, record_sleutel, soort, 'NVT', datum_verzoek, celsleutel
    FROM staging.rvdk_onderzoeken
),
-- Only the bronnen asked for ($bronnen, partitie: bron in instroom.yml): all of them in a full
-- build, the changed ones when the runner rebuilds one bron's rows.
gebeurtenissen AS (
    SELECT * FROM alle_gebeurtenissen WHERE list_contains($bronnen, bron)
),
per_maand AS (
    SELECT
        g.periode AS maand,
        e.bron,
        e.organisatie_code,
        g.jeugdregio_code,
        g.gemeente_code,
        coalesce(e.categorie, 'ONBEKEND') AS categorie,
        e.soort_instroom,
        count(*) AS aantal,
        sum(e.celsleutel) AS sleutelsom
    FROM gebeurtenissen AS e
    JOIN modellen.gemeente_per_maand AS g
        ON g.bron = e.bron
        AND g.organisatie_code = e.organisatie_code
        AND g.record_sleutel = e.record_sleutel
        AND g.periode = date_trunc('month', e.datum)::DATE
    GROUP BY ALL
),
per_periode AS (
    SELECT
        p.periode_type,
        p.periode,
        c.bron,
        c.organisatie_code,
        c.jeugdregio_code,
        c.gemeente_code,
        c.categorie,
        c.soort_instroom,
        sum(c.aantal) AS aantal,
        sum(c.sleutelsom) AS sleutelsom
    FROM per_maand AS c
    JOIN modellen.perioden AS p
        ON p.bron = c.bron
        AND p.organisatie_code = c.organisatie_code
        AND p.maand = c.maand
    GROUP BY ALL
),
per_gemeente AS MATERIALIZED (
    SELECT
        periode_type,
        periode,
        bron,
        organisatie_code,
        jeugdregio_code,
        gemeente_code,
        CASE WHEN grouping(categorie) = 1 THEN 'TOTAAL' ELSE categorie END AS categorie,
        CASE WHEN grouping(soort_instroom) = 1 THEN 'TOTAAL' ELSE soort_instroom END AS soort_instroom,
        sum(aantal) AS aantal,
        sum(sleutelsom) AS sleutelsom
    FROM per_periode
    GROUP BY periode_type, periode, bron, organisatie_code, jeugdregio_code, gemeente_code,
        ROLLUP (categorie), ROLLUP (soort_instroom)
),
per_regio AS MATERIALIZED (
    SELECT * REPLACE ('TOTAAL' AS gemeente_code, sum(aantal) AS aantal, sum(sleutelsom) AS sleutelsom)
    FROM per_gemeente
    GROUP BY periode_type, periode, bron, organisatie_code, jeugdregio_code, categorie, soort_instroom
),
alle_organisaties_per_gemeente AS MATERIALIZED (
    SELECT * REPLACE ('TOTAAL' AS organisatie_code, sum(aantal) AS aantal, sum(sleutelsom) AS sleutelsom)
    FROM per_gemeente
    GROUP BY periode_type, periode, bron, jeugdregio_code, gemeente_code, categorie, soort_instroom
),
alle_organisaties_per_regio AS MATERIALIZED (
    SELECT * REPLACE ('TOTAAL' AS gemeente_code, sum(aantal) AS aantal, sum(sleutelsom) AS sleutelsom)
    FROM alle_organisaties_per_gemeente
    GROUP BY periode_type, periode, bron, organisatie_code, jeugdregio_code, categorie, soort_instroom
),
alle AS (
    SELECT * FROM per_gemeente
    UNION ALL
    SELECT * FROM per_regio
    UNION ALL
    SELECT * REPLACE ('TOTAAL' AS jeugdregio_code, sum(aantal) AS aantal, sum(sleutelsom) AS sleutelsom)
    FROM per_regio
    GROUP BY periode_type, periode, bron, organisatie_code, gemeente_code, categorie, soort_instroom
    UNION ALL
    SELECT * FROM alle_organisaties_per_gemeente
    UNION ALL
    SELECT * FROM alle_organisaties_per_regio
    UNION ALL
    SELECT * REPLACE ('TOTAAL' AS jeugdregio_code, sum(aantal) AS aantal, sum(sleutelsom) AS sleutelsom)
    FROM alle_organisaties_per_regio
    GROUP BY periode_type, periode, bron, organisatie_code, gemeente_code, categorie, soort_instroom
)
SELECT
    periode_type,
    periode,
    bron,
    organisatie_code,
    jeugdregio_code,
    gemeente_code,
    categorie,
    soort_instroom,
    aantal::BIGINT AS aantal,
    -- The cell key for the exports' rounding (docs/contract.md section 5.2); never exported.
    (sleutelsom % 4294967296)::BIGINT AS celsleutel_aantal
FROM alle;
