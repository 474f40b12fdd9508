-- The deliveries in the frozen baselines of one bron (marts/opschonen.py), per organisation in order of peildatum.
SELECT organisatie_code, peildatum, levering_id, sha256, definities_versie
FROM historie.basis_opgenomen
WHERE bron = $bron
ORDER BY organisatie_code, peildatum;
