-- Every delivery version processed under these definitions, with its verdict.
SELECT levering_id, sha256, status, regels
FROM meta.leveringen
WHERE definities_versie = $definities_versie;
