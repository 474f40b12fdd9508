-- modellen.lopende_maatregelen: every GI measure on every month-end peildatum of its
-- organisation's spine on which it is lopend (CBS convention: datum_uitspraak <= peildatum
-- and datum_einde empty or after the peildatum, so a measure ending on the peildatum is not
-- in the stock), with whether it waits for a jeugdbeschermer and how long. Stand,
-- wachttijden and caseload all count from this one model. A view: the expansion to measure
-- x month runs in seconds, while storing it would copy millions of person-level rows.
CREATE OR REPLACE VIEW modellen.lopende_maatregelen AS
SELECT
    m.peildatum,
    m.periode,
    g.organisatie_code,
    coalesce(r.jeugdregio_code, 'ONBEKEND') AS jeugdregio_code,
    g.gemeente_code,
    g.maatregel_type,
    coalesce(k.kader, 'ONBEKEND') AS kader,
    g.maatregel_id,
    g.kind_id,
    g.datum_in_kennisstelling,
    (g.datum_jeugdbeschermer IS NULL OR g.datum_jeugdbeschermer > m.peildatum) AS wachtend_op_jeugdbeschermer,
    -- Wachttijd = peildatum - datum_in_kennisstelling, measured at the delivery's peildatum in
    -- its last month; a measure pronounced but not yet notified to the GI waits 0 days.
    CASE
        WHEN g.datum_jeugdbeschermer IS NULL OR g.datum_jeugdbeschermer > m.peildatum
            THEN greatest(m.meetdatum - g.datum_in_kennisstelling, 0)
    END AS wachttijd_dagen
FROM staging.gi_maatregelen AS g
JOIN modellen.maanden AS m
    ON m.bron = 'gi_maatregelen'
    AND m.organisatie_code = g.organisatie_code
    AND g.datum_uitspraak <= m.peildatum
    AND (g.datum_einde IS NULL OR g.datum_einde > m.peildatum)
LEFT JOIN modellen.regio_per_maand AS r
    ON r.gemeente_code = g.gemeente_code
    AND r.periode = m.periode
LEFT JOIN modellen.kaders AS k
    ON k.maatregel_type = g.maatregel_type;
