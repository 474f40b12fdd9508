-- marts.caseload: per GI, kader and month-end (docs/contract.md section 4.6), in the units of
-- the norms: running measures with a jeugdbeschermer (toegewezen, the waiting rule of 4.4)
-- per FTE against the norm, unique children with such a measure per FTE against the target
-- band, and all running measures per FTE (the work in stock). FTE: fte_jeugdbeschermer (JB)
-- or fte_jeugdreclasseerder (JR) of the GI's gi_capaciteit row for that month-end in the
-- delivery in force. Norms: referentie.caseloadnormen, the GI's own row valid on the
-- peildatum, else the `*` row. TOTAAL (all organisations) divides the sums, only when every
-- GI with running measures that month delivered its FTE; it gets the `*` norms.
CREATE OR REPLACE TABLE marts.caseload AS
WITH lopend AS (
    SELECT
        peildatum,
        CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
        kader,
        count(*) AS lopende_maatregelen,
        count(*) FILTER (WHERE NOT wachtend_op_jeugdbeschermer) AS toegewezen,
        count(DISTINCT kind_id) FILTER (WHERE NOT wachtend_op_jeugdbeschermer) AS unieke_kinderen
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
    SELECT l.*, f.fte
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
    SELECT l.*, t.fte
    FROM lopend AS l
    JOIN fte_totaal AS t
        ON t.peildatum = l.peildatum
        AND t.kader = l.kader
    WHERE l.organisatie_code = 'TOTAAL'
),
met_norm AS (
    -- The GI's own row beats `*` for the same kader and peildatum (validity inclusive, empty
    -- geldig_tot = open); a TOTAAL row only matches `*`.
    SELECT a.*, n.norm_per_fte, n.streef_kinderen_min, n.streef_kinderen_max
    FROM alle AS a
    LEFT JOIN referentie.caseloadnormen AS n
        ON n.kader = a.kader
        AND n.organisatie_code IN (a.organisatie_code, '*')
        AND n.geldig_van <= a.peildatum
        AND (n.geldig_tot IS NULL OR a.peildatum <= n.geldig_tot)
    QUALIFY row_number() OVER (
        PARTITION BY a.peildatum, a.organisatie_code, a.kader ORDER BY n.organisatie_code = '*'
    ) = 1
)
SELECT
    peildatum,
    organisatie_code,
    kader,
    lopende_maatregelen,
    toegewezen,
    unieke_kinderen,
    fte,
    toegewezen / nullif(fte, 0) AS caseload_per_fte,
    lopende_maatregelen / nullif(fte, 0) AS werkvoorraad_per_fte,
    unieke_kinderen / nullif(fte, 0) AS kinderen_per_fte,
    norm_per_fte,
    streef_kinderen_min,
    streef_kinderen_max,
    toegewezen / nullif(fte, 0) > norm_per_fte AS boven_norm
FROM met_norm
ORDER BY peildatum, organisatie_code, kader;
