-- marts.caseload: per GI and month-end (docs/contract.md section 4): running JB measures per FTE
-- jeugdbeschermer and running JR measures per FTE jeugdreclasseerder, with the number of
-- unique children, against the caseload norm and target range of the definitions
-- (modellen.instellingen). FTE from the GI's gi_capaciteit row of that month. TOTAAL (all
-- organisations) divides the sum of the measures by the sum of the FTE, only when every GI
-- with running measures that month delivered its FTE.
CREATE OR REPLACE TABLE marts.caseload AS
WITH lopend AS (
    SELECT
        peildatum,
        CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
        kader,
        count(*) AS lopende_maatregelen,
        count(DISTINCT kind_id) AS unieke_kinderen
    FROM modellen.lopende_maatregelen
    GROUP BY peildatum, kader, GROUPING SETS ((organisatie_code), ())
),
fte_per_gi AS (
    SELECT
        c.organisatie_code,
        last_day(c.peildatum) AS peildatum,
        k.kader,
        CASE k.kader WHEN 'JB' THEN c.fte_jeugdbeschermer WHEN 'JR' THEN c.fte_jeugdreclasseerder END AS fte
    FROM staging.gi_capaciteit AS c
    CROSS JOIN (SELECT DISTINCT kader FROM modellen.kaders) AS k
),
per_gi AS (
    SELECT l.peildatum, l.organisatie_code, l.kader, l.lopende_maatregelen, l.unieke_kinderen, f.fte
    FROM lopend AS l
    LEFT JOIN fte_per_gi AS f
        ON f.organisatie_code = l.organisatie_code
        AND f.peildatum = l.peildatum
        AND f.kader = l.kader
    WHERE l.organisatie_code <> 'TOTAAL'
),
fte_totaal AS (
    SELECT peildatum, kader, CASE WHEN count(fte) = count(*) THEN sum(fte) END AS fte
    FROM per_gi
    GROUP BY peildatum, kader
),
alle AS (
    SELECT * FROM per_gi
    UNION ALL
    SELECT l.peildatum, l.organisatie_code, l.kader, l.lopende_maatregelen, l.unieke_kinderen, t.fte
    FROM lopend AS l
    JOIN fte_totaal AS t
        ON t.peildatum = l.peildatum
        AND t.kader = l.kader
    WHERE l.organisatie_code = 'TOTAAL'
)
SELECT
    a.peildatum,
    a.organisatie_code,
    a.kader,
    a.lopende_maatregelen,
    a.unieke_kinderen,
    a.fte,
    a.lopende_maatregelen / nullif(a.fte, 0) AS caseload_per_fte,
    i.norm_per_fte,
    i.streefbereik_min_per_fte,
    i.streefbereik_max_per_fte,
    a.lopende_maatregelen / nullif(a.fte, 0) > i.norm_per_fte AS boven_norm
FROM alle AS a
CROSS JOIN modellen.instellingen AS i
ORDER BY a.peildatum, a.organisatie_code, a.kader;
