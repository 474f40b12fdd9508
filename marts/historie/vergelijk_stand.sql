-- How many rows of one organisation's history differ from the state kept by historie/bewaar_stand
-- (0: the baseline and the later deliveries give back the same region by month). The temp table
-- stays until the connection closes or the next historie/bewaar_stand replaces it.
WITH nu AS (
    SELECT record_sleutel, gemeente_code, van_periode, tot_periode
    FROM historie.gemeenten
    WHERE bron = $bron AND organisatie_code = $organisatie_code
),
verschil AS (
    (SELECT * FROM nu EXCEPT ALL SELECT * FROM historie_stand)
    UNION ALL
    (SELECT * FROM historie_stand EXCEPT ALL SELECT * FROM nu)
)
SELECT count(*) FROM verschil;
