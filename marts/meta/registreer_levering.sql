-- Record one processed delivery version (re-processing the same version replaces its row).
DELETE FROM meta.leveringen
WHERE levering_id = $levering_id AND sha256 = $sha256 AND definities_versie = $definities_versie;
DELETE FROM meta.regelresultaten
WHERE levering_id = $levering_id AND sha256 = $sha256 AND definities_versie = $definities_versie;
DELETE FROM meta.quarantaine WHERE levering_id = $levering_id AND sha256 = $sha256;
INSERT INTO meta.leveringen VALUES (
    $levering_id, $sha256, $organisatie_code, $bron, $peildatum, $formaat, $aantal_rijen, $status,
    $fouten, $waarschuwingen, $regels, $archief_pad, $genormaliseerd_pad, $gx_run_id, $data_docs_pad,
    $definities_versie, $verwerkt_op
);
