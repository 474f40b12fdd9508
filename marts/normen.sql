-- marts.normen: the three Inspectie norms per month (docs/contract.md section 4): how many measures met the
-- norm (binnen), missed it (buiten) or can still meet it (nog binnen termijn, judged at the
-- organisation's latest peildatum), from modellen.normuitkomsten, per kader. pct_binnen_norm
-- = 100 * binnen / (binnen + buiten), empty when that sum is 0. Non-additive: TOTAAL rows
-- for all organisations, all regions and both come from the measures themselves.
CREATE OR REPLACE TABLE marts.normen AS
WITH tellingen AS (
    SELECT
        periode,
        CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
        CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
        kader,
        norm,
        count(*) FILTER (WHERE uitkomst = 'binnen') AS binnen_norm,
        count(*) FILTER (WHERE uitkomst = 'buiten') AS buiten_norm,
        count(*) FILTER (WHERE uitkomst = 'nog_binnen_termijn') AS nog_binnen_termijn
    FROM modellen.normuitkomsten
    GROUP BY
        periode,
        kader,
        norm,
        GROUPING SETS ((organisatie_code, jeugdregio_code), (organisatie_code), (jeugdregio_code), ())
)
SELECT
    periode,
    organisatie_code,
    jeugdregio_code,
    kader,
    norm,
    binnen_norm,
    buiten_norm,
    nog_binnen_termijn,
    100.0 * binnen_norm / nullif(binnen_norm + buiten_norm, 0) AS pct_binnen_norm
FROM tellingen
ORDER BY periode, organisatie_code, jeugdregio_code, kader, norm;
