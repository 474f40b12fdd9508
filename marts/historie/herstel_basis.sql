-- Start one organisation's history of one bron from its frozen baseline (after historie/vergeet).
INSERT INTO historie.gemeenten
SELECT * FROM historie.basis_gemeenten WHERE bron = $bron AND organisatie_code = $organisatie_code;
INSERT INTO historie.opgenomen
SELECT * FROM historie.basis_opgenomen WHERE bron = $bron AND organisatie_code = $organisatie_code;
