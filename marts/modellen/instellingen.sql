-- modellen.instellingen: the monitor's settings the marts use, as one row, from the
-- definitions (instellingen.yaml, normen.yaml). The runner passes them as parameters, so
-- no threshold is written into the SQL of a mart.
CREATE OR REPLACE TABLE modellen.instellingen AS
SELECT
    $monitor_startdatum::DATE AS monitor_startdatum,
    $max_dagen_tussen_stappen::BIGINT AS max_dagen_tussen_stappen,
    $traject_marge_dagen::BIGINT AS traject_marge_dagen,
    $definities_versie::VARCHAR AS definities_versie;
