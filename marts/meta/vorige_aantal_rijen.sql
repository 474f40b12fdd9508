-- Row count of the organisation's current accepted delivery of this bron before this peildatum
-- (the comparison of warning rule ALG-OMV-001).
SELECT aantal_rijen
FROM meta.leveringen
WHERE organisatie_code = $organisatie_code AND bron = $bron AND status = 'geaccepteerd'
  AND peildatum < $peildatum
ORDER BY peildatum DESC, verwerkt_op DESC
LIMIT 1;
