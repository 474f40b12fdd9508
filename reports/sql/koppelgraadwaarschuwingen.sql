-- Key mismatch warnings for the board (issue 16): every delivery in force whose koppelgraad dropped
-- sharply against its organisation's previous delivery (marts.koppelgraad, thresholds in
-- definitions/instellingen.yaml).
SELECT levering_id, melding
FROM marts.koppelgraad
WHERE in_gebruik AND daling
ORDER BY organisatie_code, bron, levering_id;
