-- marts.stand: the stock of GI measures on every month-end peildatum (docs/contract.md section 4.4):
-- lopend at the GI (from datum_start_bij_gi for a measure taken over) and, of those, wachtend op
-- jeugdbeschermer at that GI, per maatregel_type, from modellen.lopende_maatregelen. TOTAAL
-- roll-ups over organisations, regions, municipalities within a region, and measure types.
-- Counted once at the finest grain first, so the roll-ups sum a small table instead of
-- re-reading every measure-month.
-- Stored unsorted: whoever reads it sorts (the exports by key), and sorting millions of rows costs.
CREATE OR REPLACE TABLE marts.stand AS
WITH per_gemeente AS (
    SELECT
        peildatum,
        organisatie_code,
        jeugdregio_code,
        gemeente_code,
        maatregel_type,
        count(*) AS lopend,
        count(*) FILTER (WHERE wachtend_op_jeugdbeschermer) AS wachtend,
        sum(celsleutel) AS sleutelsom_lopend,
        coalesce(sum(celsleutel) FILTER (WHERE wachtend_op_jeugdbeschermer), 0) AS sleutelsom_wachtend
    FROM modellen.lopende_maatregelen
    GROUP BY peildatum, organisatie_code, jeugdregio_code, gemeente_code, maatregel_type
)
SELECT
    peildatum,
    CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    CASE WHEN grouping(gemeente_code) = 1 THEN 'TOTAAL' ELSE gemeente_code END AS gemeente_code,
    CASE WHEN grouping(maatregel_type) = 1 THEN 'TOTAAL' ELSE maatregel_type END AS maatregel_type,
    sum(lopend)::BIGINT AS lopend,
    sum(wachtend)::BIGINT AS wachtend_op_jeugdbeschermer,
    -- Cell keys for the exports' rounding (docs/contract.md section 5.2); never exported.
    (sum(sleutelsom_lopend) % 4294967296)::BIGINT AS celsleutel_lopend,
    (sum(sleutelsom_wachtend) % 4294967296)::BIGINT AS celsleutel_wachtend_op_jeugdbeschermer
FROM per_gemeente
GROUP BY
    peildatum,
    GROUPING SETS (
        (organisatie_code, jeugdregio_code, gemeente_code),
        (organisatie_code, jeugdregio_code),
        (organisatie_code),
        (jeugdregio_code, gemeente_code),
        (jeugdregio_code),
        ()
    ),
    ROLLUP (maatregel_type);
