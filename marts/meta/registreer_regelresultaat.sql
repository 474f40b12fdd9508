INSERT INTO meta.regelresultaten VALUES (
    $levering_id, $sha256, $definities_versie, $code, $ernst, $controle, $kolom, $aantal, $rijen, $melding_nl,
    $melding_en
);
