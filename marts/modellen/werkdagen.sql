-- modellen.werkdagen: the working-day calendar of referentie.werkdagkalender (Algemene
-- termijnenwet: weekends, Goede Vrijdag and 5 mei every year, bridge days from the
-- definitions) with a running number of working days. The n-th working day after day d is
-- the working day whose werkdag_volgnummer equals d's werkdag_volgnummer + n, so norm 1's
-- deadline is one equi-join, whatever day of the week d is.
CREATE OR REPLACE TABLE modellen.werkdagen AS
SELECT
    datum,
    is_werkdag,
    reden_vrij,
    count(*) FILTER (WHERE is_werkdag) OVER (ORDER BY datum ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        AS werkdag_volgnummer
FROM referentie.werkdagkalender
ORDER BY datum;
