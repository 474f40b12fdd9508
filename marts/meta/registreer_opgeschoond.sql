-- Record that a purge removed files of one file version; a later purge that finds more of its
-- files (a crash before they were removed, the inbox file put back) adds them to the list.
INSERT INTO meta.opgeschoond VALUES (
    $levering_id, $sha256, $organisatie_code, $bron, $peildatum, $bewaartermijn_maanden, $grens, $bestanden,
    $opgeschoond_op
)
ON CONFLICT (levering_id, sha256) DO UPDATE
SET bestanden = list_sort(list_distinct(list_concat(bestanden, excluded.bestanden)));
