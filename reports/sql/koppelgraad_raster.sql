-- The delivery grid's key marks (issue 16): per organisation, bron and month of the peildatum,
-- the koppelgraad drop of a delivery of that month (its latest measured version), as the grid
-- shows it in the cell's title.
SELECT organisatie_code, bron, date_trunc('month', peildatum)::DATE AS maand, arg_max(melding, peildatum) AS melding
FROM marts.koppelgraad
WHERE daling
GROUP BY organisatie_code, bron, date_trunc('month', peildatum)
ORDER BY ALL;
