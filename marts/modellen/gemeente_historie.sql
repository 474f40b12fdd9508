-- modellen.gemeente_historie: the municipality of every record per range of months (docs/
-- contract.md section 4.5), from historie.gemeenten, which the staging step keeps (marts/
-- historie.py). A mart finds a record's municipality in month `periode` with
--   LEFT JOIN modellen.gemeente_historie AS h ON h.bron = ... AND h.organisatie_code = ...
--       AND h.record_sleutel = ... AND periode >= h.van_periode AND periode < h.tot_periode
-- and falls back on the delivery in force: coalesce(h.gemeente_code, <staging>.gemeente_code).
-- The table itself is created with the registry (marts/historie/schema.sql).
CREATE OR REPLACE VIEW modellen.gemeente_historie AS
SELECT bron, organisatie_code, record_sleutel, gemeente_code, van_periode, tot_periode
FROM historie.gemeenten;
