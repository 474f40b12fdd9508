-- marts.normen: the three Inspectie norms per period (docs/contract.md sections 4.2, 4.3),
-- from the trajectory outcomes of modellen.normuitkomsten. The counts are additive: they are
-- summed per month first and then over the months of each period that is complete for the
-- GI (modellen.perioden). afgerekend (settled): the deadline computed from the period's last
-- day, as if a case were anchored on it, lies before the GI's judgement date (its latest
-- peildatum); a roll-up row is settled when it is for every GI with a trajectory counted in
-- it. pct_binnen_norm = 100 * binnen / (binnen + buiten), one decimal, only when settled.
-- Non-additive (the percentage): TOTAAL rows for all organisations, all regions and both.
-- Stored unsorted: whoever reads it sorts (the exports by key), and sorting millions of rows costs.
CREATE OR REPLACE TABLE marts.normen AS
WITH per_maand AS (
    SELECT
        periode AS maand,
        organisatie_code,
        jeugdregio_code,
        kader,
        norm,
        count(*) FILTER (WHERE uitkomst = 'binnen') AS binnen_norm,
        count(*) FILTER (WHERE uitkomst = 'buiten') AS buiten_norm,
        count(*) FILTER (WHERE uitkomst = 'beeindigd') AS beeindigd,
        count(*) FILTER (WHERE uitkomst = 'nog_binnen_termijn') AS nog_binnen_termijn
    FROM modellen.normuitkomsten
    GROUP BY ALL
),
afrekening AS (
    -- The deadline of a case anchored on the period's last day, per norm (same units as
    -- modellen.traject_termijnen), against the GI's judgement date.
    SELECT DISTINCT
        p.organisatie_code,
        p.periode_type,
        p.periode,
        n.norm,
        CASE n.eenheid
            WHEN 'werkdagen' THEN eind.datum
            WHEN 'dagen' THEN p.periode_einde + n.termijn::INTEGER
            WHEN 'maanden' THEN (p.periode_einde + to_months(n.termijn::INTEGER))::DATE
        END < m.levering_peildatum AS afgerekend
    FROM modellen.perioden AS p
    JOIN modellen.maanden AS m
        ON m.bron = p.bron AND m.organisatie_code = p.organisatie_code AND m.periode = p.maand
    CROSS JOIN modellen.normtermijnen AS n
    LEFT JOIN modellen.werkdagen AS start
        ON start.datum = p.periode_einde
    LEFT JOIN modellen.werkdagen AS eind
        ON eind.is_werkdag
        AND eind.werkdag_volgnummer = start.werkdag_volgnummer + n.termijn
    WHERE p.bron = 'gi_maatregelen'
),
per_periode AS (
    SELECT
        p.periode_type,
        p.periode,
        c.organisatie_code,
        c.jeugdregio_code,
        c.kader,
        c.norm,
        sum(c.binnen_norm) AS binnen_norm,
        sum(c.buiten_norm) AS buiten_norm,
        sum(c.beeindigd) AS beeindigd,
        sum(c.nog_binnen_termijn) AS nog_binnen_termijn
    FROM per_maand AS c
    JOIN modellen.perioden AS p
        ON p.bron = 'gi_maatregelen'
        AND p.organisatie_code = c.organisatie_code
        AND p.maand = c.maand
    GROUP BY ALL
),
tellingen AS (
    SELECT
        c.periode_type,
        c.periode,
        CASE WHEN grouping(c.organisatie_code) = 1 THEN 'TOTAAL' ELSE c.organisatie_code END AS organisatie_code,
        CASE WHEN grouping(c.jeugdregio_code) = 1 THEN 'TOTAAL' ELSE c.jeugdregio_code END AS jeugdregio_code,
        c.kader,
        c.norm,
        sum(c.binnen_norm)::BIGINT AS binnen_norm,
        sum(c.buiten_norm)::BIGINT AS buiten_norm,
        sum(c.beeindigd)::BIGINT AS beeindigd,
        sum(c.nog_binnen_termijn)::BIGINT AS nog_binnen_termijn,
        coalesce(bool_and(a.afgerekend), false) AS afgerekend
    FROM per_periode AS c
    JOIN afrekening AS a
        ON a.organisatie_code = c.organisatie_code
        AND a.periode_type = c.periode_type
        AND a.periode = c.periode
        AND a.norm = c.norm
    GROUP BY
        c.periode_type,
        c.periode,
        c.kader,
        c.norm,
        GROUPING SETS ((c.organisatie_code, c.jeugdregio_code), (c.organisatie_code), (c.jeugdregio_code), ())
)
SELECT
    periode_type,
    periode,
    organisatie_code,
    jeugdregio_code,
    kader,
    norm,
    binnen_norm,
    buiten_norm,
    beeindigd,
    nog_binnen_termijn,
    CASE WHEN afgerekend THEN round(100.0 * binnen_norm / nullif(binnen_norm + buiten_norm, 0), 1) END
        AS pct_binnen_norm,
    afgerekend
FROM tellingen;
