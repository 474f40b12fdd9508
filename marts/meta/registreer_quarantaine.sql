INSERT INTO meta.quarantaine VALUES (
    $levering_id, $sha256, $organisatie_code, $bron, $peildatum, $tijdstip, $regels, $archief_pad, $data_docs_pad
);
