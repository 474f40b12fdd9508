-- marts.achterstand: the month-end backlog (docs/contract.md section 4.4), the timely signal:
-- per month-end peildatum, GI, region and kader the running measures (as in stand), those
-- waiting for a jeugdbeschermer at their GI, and those whose trajectory's norm deadline has
-- passed (lies before the peildatum) without the norm's event: waiting past norm 1, no plan
-- (dated on or before the peildatum) past norm 2, no help past norm 3. The deadlines and the
-- trajectory's event dates come from modellen.traject_termijnen (computed once per
-- trajectory); which norm is which column follows from the norm's target date in
-- modellen.normtermijnen, so no norm code or term is written here. Counts are additive: one
-- GROUPING SETS pass over the counts at the finest grain.
-- Stored unsorted: whoever reads it sorts (the exports by key), and sorting millions of rows costs.
CREATE OR REPLACE TABLE marts.achterstand AS
WITH termijnen AS (
    SELECT
        t.traject_id,
        any_value(t.uiterste_datum) FILTER (WHERE n.doel = 'datum_jeugdbeschermer') AS uiterste_jeugdbeschermer,
        any_value(t.uiterste_datum) FILTER (WHERE n.doel = 'datum_plan_van_aanpak') AS uiterste_plan,
        any_value(t.doel_datum) FILTER (WHERE n.doel = 'datum_plan_van_aanpak') AS datum_plan,
        any_value(t.uiterste_datum) FILTER (WHERE n.doel = 'datum_passende_hulp') AS uiterste_hulp,
        any_value(t.doel_datum) FILTER (WHERE n.doel = 'datum_passende_hulp') AS datum_hulp
    FROM modellen.traject_termijnen AS t
    JOIN modellen.normtermijnen AS n ON n.norm = t.norm
    GROUP BY t.traject_id
),
per_regio AS (
    -- "Has passed" is judged at the meetdatum: the peildatum, or a mid-month delivery's own
    -- peildatum in its last month (what that delivery can know), as the wachttijd is.
    SELECT
        l.peildatum,
        l.organisatie_code,
        l.jeugdregio_code,
        l.kader,
        count(*) AS lopend,
        count(*) FILTER (WHERE l.wachtend_op_jeugdbeschermer) AS wachtend,
        count(*) FILTER (WHERE l.wachtend_op_jeugdbeschermer AND d.uiterste_jeugdbeschermer < l.meetdatum)
            AS wachtend_na_norm_1,
        count(*) FILTER (
            WHERE d.uiterste_plan < l.meetdatum AND (d.datum_plan IS NULL OR d.datum_plan > l.meetdatum)
        ) AS zonder_plan,
        count(*) FILTER (
            WHERE d.uiterste_hulp < l.meetdatum AND (d.datum_hulp IS NULL OR d.datum_hulp > l.meetdatum)
        ) AS zonder_hulp
    FROM modellen.lopende_maatregelen AS l
    LEFT JOIN termijnen AS d ON d.traject_id = l.traject_id
    GROUP BY ALL
)
SELECT
    peildatum,
    CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    kader,
    sum(lopend)::BIGINT AS lopend,
    sum(wachtend)::BIGINT AS wachtend_op_jeugdbeschermer,
    sum(wachtend_na_norm_1)::BIGINT AS wachtend_langer_dan_norm_1,
    sum(zonder_plan)::BIGINT AS zonder_plan_na_norm_2,
    sum(zonder_hulp)::BIGINT AS zonder_hulp_na_norm_3
FROM per_regio
GROUP BY
    peildatum,
    kader,
    GROUPING SETS ((organisatie_code, jeugdregio_code), (organisatie_code), (jeugdregio_code), ());
