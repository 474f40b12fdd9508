-- The years in which reporting periods start (modellen.perioden): the chunks of a model with
-- `per_jaar: true` (marts/catalog.py), each built by one run of its SQL with $jaar.
SELECT DISTINCT year(periode) AS jaar FROM modellen.perioden ORDER BY jaar;
