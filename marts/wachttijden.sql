-- marts.wachttijden: measures waiting for a vaste jeugdbeschermer on every month-end
-- peildatum and how long they have waited (peildatum - datum_in_kennisstelling), from
-- modellen.lopende_maatregelen. Non-additive (a median cannot be summed): the TOTAAL rows
-- for all organisations, all regions and both are computed from the measures themselves.
CREATE OR REPLACE TABLE marts.wachttijden AS
SELECT
    peildatum,
    CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    count(*) AS aantal_wachtend,
    avg(wachttijd_dagen) AS gemiddelde_wachttijd_dagen,
    quantile_cont(wachttijd_dagen, 0.5) AS mediaan_wachttijd_dagen,
    max(wachttijd_dagen) AS max_wachttijd_dagen
FROM modellen.lopende_maatregelen
WHERE wachtend_op_jeugdbeschermer
GROUP BY
    peildatum,
    GROUPING SETS ((organisatie_code, jeugdregio_code), (organisatie_code), (jeugdregio_code), ())
ORDER BY peildatum, organisatie_code, jeugdregio_code;
