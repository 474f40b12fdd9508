-- modellen.normuitkomsten: for every GI measure and every norm of modellen.normtermijnen,
-- the deadline and the outcome, counted in the month of the norm's telmaand column (only
-- months on the organisation's spine). Deadline by the norm's unit:
--   werkdagen: the n-th working day after the anchor date (modellen.werkdagen),
--   dagen:     anchor + n calendar days,
--   maanden:   anchor + n calendar months, clamped to the month's end (31 Jan + 3 = 30 Apr).
-- Outcome (docs/contract.md section 4): binnen when the target date <= deadline; buiten when it is later,
-- or empty while the organisation's peildatum is past the deadline; otherwise nog binnen
-- termijn. The outcome is judged at the organisation's latest peildatum. A view (person-level
-- rows are not copied; the marts aggregate it in one pass).
CREATE OR REPLACE VIEW modellen.normuitkomsten AS
WITH datums AS (
    -- The norm's columns are named in the definitions; pick them per norm.
    SELECT
        n.norm,
        n.termijn,
        n.eenheid,
        g.organisatie_code,
        g.maatregel_id,
        g.maatregel_type,
        g.gemeente_code,
        CASE n.anker
            WHEN 'datum_uitspraak' THEN g.datum_uitspraak
            WHEN 'datum_in_kennisstelling' THEN g.datum_in_kennisstelling
        END AS anker_datum,
        CASE n.doel
            WHEN 'datum_jeugdbeschermer' THEN g.datum_jeugdbeschermer
            WHEN 'datum_plan_van_aanpak' THEN g.datum_plan_van_aanpak
            WHEN 'datum_passende_hulp' THEN g.datum_passende_hulp
        END AS doel_datum,
        CASE n.telmaand
            WHEN 'datum_uitspraak' THEN g.datum_uitspraak
            WHEN 'datum_in_kennisstelling' THEN g.datum_in_kennisstelling
        END AS tel_datum
    FROM staging.gi_maatregelen AS g
    CROSS JOIN modellen.normtermijnen AS n
),
termijnen AS (
    SELECT
        d.*,
        CASE d.eenheid
            WHEN 'werkdagen' THEN eind.datum
            WHEN 'dagen' THEN d.anker_datum + d.termijn::INTEGER
            WHEN 'maanden' THEN (d.anker_datum + to_months(d.termijn::INTEGER))::DATE
        END AS uiterste_datum
    FROM datums AS d
    -- Joined for every norm (an equi-join stays a hash join); only werkdagen uses it.
    LEFT JOIN modellen.werkdagen AS start
        ON start.datum = d.anker_datum
    LEFT JOIN modellen.werkdagen AS eind
        ON eind.is_werkdag
        AND eind.werkdag_volgnummer = start.werkdag_volgnummer + d.termijn
)
SELECT
    m.periode,
    t.organisatie_code,
    coalesce(r.jeugdregio_code, 'ONBEKEND') AS jeugdregio_code,
    t.gemeente_code,
    coalesce(k.kader, 'ONBEKEND') AS kader,
    t.norm,
    t.maatregel_id,
    t.anker_datum,
    t.uiterste_datum,
    t.doel_datum,
    m.levering_peildatum,
    CASE
        WHEN t.doel_datum <= t.uiterste_datum THEN 'binnen'
        WHEN t.doel_datum > t.uiterste_datum THEN 'buiten'
        WHEN t.doel_datum IS NULL AND m.levering_peildatum > t.uiterste_datum THEN 'buiten'
        ELSE 'nog_binnen_termijn'
    END AS uitkomst
FROM termijnen AS t
JOIN modellen.maanden AS m
    ON m.bron = 'gi_maatregelen'
    AND m.organisatie_code = t.organisatie_code
    AND m.periode = date_trunc('month', t.tel_datum)::DATE
LEFT JOIN modellen.regio_per_maand AS r
    ON r.gemeente_code = t.gemeente_code
    AND r.periode = m.periode
LEFT JOIN modellen.kaders AS k
    ON k.maatregel_type = t.maatregel_type;
