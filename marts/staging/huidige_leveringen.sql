-- The delivery in force per organisation for one bron: the accepted one with the latest
-- peildatum (an older delivery arriving late never replaces a newer one); for the same
-- peildatum the latest processed version. A quarantined delivery never counts, so the
-- previous accepted one stays in force.
SELECT organisatie_code, peildatum, levering_id, sha256, genormaliseerd_pad
FROM meta.leveringen
WHERE bron = $bron AND status = 'geaccepteerd' AND definities_versie = $definities_versie
QUALIFY row_number() OVER (PARTITION BY organisatie_code ORDER BY peildatum DESC, verwerkt_op DESC) = 1
ORDER BY organisatie_code;
