-- Freeze one organisation's history of one bron as folded so far (up to the purge horizon) as its baseline.
DELETE FROM historie.basis_gemeenten WHERE bron = $bron AND organisatie_code = $organisatie_code;
DELETE FROM historie.basis_opgenomen WHERE bron = $bron AND organisatie_code = $organisatie_code;
INSERT INTO historie.basis_gemeenten
SELECT * FROM historie.gemeenten WHERE bron = $bron AND organisatie_code = $organisatie_code;
INSERT INTO historie.basis_opgenomen
SELECT * FROM historie.opgenomen WHERE bron = $bron AND organisatie_code = $organisatie_code;
