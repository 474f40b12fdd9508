-- Forget one organisation's history of one bron (before folding its deliveries in again).
DELETE FROM historie.gemeenten WHERE bron = $bron AND organisatie_code = $organisatie_code;
DELETE FROM historie.opgenomen WHERE bron = $bron AND organisatie_code = $organisatie_code;
