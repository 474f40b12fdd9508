-- marts.wachttijden: measures waiting for a vaste jeugdbeschermer at their GI on every
-- month-end peildatum and how long they have waited (docs/contract.md section 4.4: peildatum
-- - the trajectory's first datum_in_kennisstelling, in calendar days and working days), per
-- kader, from modellen.lopende_maatregelen. Non-additive (a median cannot be summed): the
-- TOTAAL rows for all organisations, all regions and both are computed from the measures
-- themselves, in one GROUPING SETS pass.
-- Stored unsorted: whoever reads it sorts (the exports by key), and sorting millions of rows costs.
CREATE OR REPLACE TABLE marts.wachttijden AS
SELECT
    peildatum,
    CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    kader,
    count(*) AS aantal_wachtend,
    avg(wachttijd_dagen) AS gemiddelde_wachttijd_dagen,
    quantile_cont(wachttijd_dagen, 0.5) AS mediaan_wachttijd_dagen,
    quantile_cont(wachttijd_werkdagen, 0.5) AS mediaan_wachttijd_werkdagen,
    quantile_cont(wachttijd_dagen, 0.9) AS p90_wachttijd_dagen,
    max(wachttijd_dagen) AS max_wachttijd_dagen
FROM modellen.lopende_maatregelen
WHERE wachtend_op_jeugdbeschermer
GROUP BY
    peildatum,
    kader,
    GROUPING SETS ((organisatie_code, jeugdregio_code), (organisatie_code), (jeugdregio_code), ());
