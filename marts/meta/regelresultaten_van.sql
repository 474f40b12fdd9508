SELECT code, ernst, controle, kolom, aantal, rijen, melding_nl, melding_en
FROM meta.regelresultaten
WHERE levering_id = $levering_id AND sha256 = $sha256 AND definities_versie = $definities_versie
ORDER BY ernst, code, kolom;
