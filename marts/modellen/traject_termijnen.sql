-- modellen.traject_termijnen: one row per trajectory and norm (docs/contract.md sections 4.1,
-- 4.2): the first measure's anchor date and counting date, the deadline, the trajectory's
-- event date (earliest among all its measures, from modellen.trajecten), its end and its
-- judgement date. The norm's columns and term come from modellen.normtermijnen, so the SQL
-- holds no term. Deadline by the norm's unit:
--   werkdagen: the n-th working day after the anchor (modellen.werkdagen numbering; counted
--              from the day after the anchor, also when the anchor is no working day),
--   dagen:     anchor + n calendar days,
--   maanden:   anchor + n calendar months; DuckDB clamps to the month's end (31 Jan + 3 = 30 Apr).
-- The outcome is left to modellen.normuitkomsten; the stock marts (achterstand) read the
-- deadlines from here too, so a norm's deadline is computed in one place per trajectory.
CREATE OR REPLACE TABLE modellen.traject_termijnen AS
WITH datums AS (
    SELECT
        t.traject_id,
        n.norm,
        t.kader,
        t.organisatie_code,
        n.termijn,
        n.eenheid,
        CASE n.anker
            WHEN 'datum_uitspraak' THEN t.datum_uitspraak
            WHEN 'datum_in_kennisstelling' THEN t.datum_in_kennisstelling
        END AS anker_datum,
        CASE n.doel
            WHEN 'datum_jeugdbeschermer' THEN t.datum_jeugdbeschermer
            WHEN 'datum_plan_van_aanpak' THEN t.datum_plan_van_aanpak
            WHEN 'datum_passende_hulp' THEN t.datum_passende_hulp
        END AS doel_datum,
        CASE n.telmaand
            WHEN 'datum_uitspraak' THEN t.datum_uitspraak
            WHEN 'datum_in_kennisstelling' THEN t.datum_in_kennisstelling
        END AS tel_datum,
        t.beoordelingsdatum,
        t.datum_einde,
        t.maatregel_id
    FROM modellen.trajecten AS t
    CROSS JOIN modellen.normtermijnen AS n
)
SELECT
    d.traject_id,
    d.norm,
    d.kader,
    d.organisatie_code,
    d.anker_datum,
    CASE d.eenheid
        WHEN 'werkdagen' THEN eind.datum
        WHEN 'dagen' THEN d.anker_datum + d.termijn::INTEGER
        WHEN 'maanden' THEN (d.anker_datum + to_months(d.termijn::INTEGER))::DATE
    END AS uiterste_datum,
    d.doel_datum,
    d.tel_datum,
    d.beoordelingsdatum,
    d.datum_einde,
    d.maatregel_id
FROM datums AS d
-- Joined for every norm (an equi-join stays a hash join); only werkdagen uses it.
LEFT JOIN modellen.werkdagen AS start
    ON start.datum = d.anker_datum
LEFT JOIN modellen.werkdagen AS eind
    ON eind.is_werkdag
    AND eind.werkdag_volgnummer = start.werkdag_volgnummer + d.termijn
ORDER BY d.traject_id, d.norm;
