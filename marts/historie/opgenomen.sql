-- The deliveries already folded into the history of one bron (any definitions version), in order of peildatum.
SELECT organisatie_code, peildatum, levering_id, sha256, definities_versie
FROM historie.opgenomen
WHERE bron = $bron
ORDER BY organisatie_code, peildatum;
