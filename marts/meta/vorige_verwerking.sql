-- The earlier processing of this exact file version under these definitions, if any.
SELECT status, aantal_rijen, gx_run_id, data_docs_pad, genormaliseerd_pad, archief_pad
FROM meta.leveringen
WHERE levering_id = $levering_id AND sha256 = $sha256 AND definities_versie = $definities_versie;
