-- marts.personeel: staff figures per GI and month as delivered in gi_capaciteit (docs/contract.md
-- section 4), on the months of the GI's gi_capaciteit spine. TOTAAL (all organisations) sums FTE and
-- staff flows; its verzuim_pct is the mean weighted by each GI's total FTE.
CREATE OR REPLACE TABLE marts.personeel AS
SELECT
    m.peildatum,
    CASE WHEN grouping(c.organisatie_code) = 1 THEN 'TOTAAL' ELSE c.organisatie_code END AS organisatie_code,
    sum(c.fte_jeugdbeschermer) AS fte_jeugdbeschermer,
    sum(c.fte_jeugdreclasseerder) AS fte_jeugdreclasseerder,
    sum(c.instroom_medewerkers)::BIGINT AS instroom_medewerkers,
    sum(c.uitstroom_medewerkers)::BIGINT AS uitstroom_medewerkers,
    CASE
        WHEN grouping(c.organisatie_code) = 0 THEN any_value(c.verzuim_pct)
        ELSE sum(c.verzuim_pct * (c.fte_jeugdbeschermer + c.fte_jeugdreclasseerder))
            / nullif(sum(c.fte_jeugdbeschermer + c.fte_jeugdreclasseerder) FILTER (WHERE c.verzuim_pct IS NOT NULL), 0)
    END AS verzuim_pct
FROM staging.gi_capaciteit AS c
JOIN modellen.maanden AS m
    ON m.bron = 'gi_capaciteit'
    AND m.organisatie_code = c.organisatie_code
    AND m.periode = date_trunc('month', c.peildatum)::DATE
GROUP BY m.peildatum, GROUPING SETS ((c.organisatie_code), ())
ORDER BY peildatum, organisatie_code;
