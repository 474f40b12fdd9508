-- The deliveries in force whose koppelgraad fell sharply (marts.koppelgraad: daling), with the text.
SELECT count(*) OVER () AS fouten, levering_id, melding
FROM marts.koppelgraad
WHERE in_gebruik AND daling
ORDER BY levering_id
LIMIT 5;
