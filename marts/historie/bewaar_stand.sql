-- Before a baseline is frozen: one organisation's history as it is, to compare with afterwards.
CREATE OR REPLACE TEMP TABLE historie_stand AS
SELECT record_sleutel, gemeente_code, van_periode, tot_periode
FROM historie.gemeenten
WHERE bron = $bron AND organisatie_code = $organisatie_code;
