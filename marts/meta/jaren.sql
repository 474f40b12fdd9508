-- The years in which reporting periods start (modellen.perioden): the chunks of a model with
-- `per_jaar: true` (marts/catalog.py), each built by one run of its SQL with $jaar, and with
-- $eerste_maand and $laatste_maand, the first and last month of any period of that year (a
-- rollend_12 window reaches 11 months back), so the SQL can skip the cases outside them.
SELECT year(periode) AS jaar, min(maand) AS eerste_maand, max(maand) AS laatste_maand
FROM modellen.perioden
GROUP BY jaar
ORDER BY jaar;
