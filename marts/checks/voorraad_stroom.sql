-- Check voorraad_stroom (CBS convention) per GI and month of its spine: stand on the previous
-- month-end + instroom - uitstroom = stand on the month-end, for GI measures, from the
-- marts' organisation rows (all regions, municipalities and types) of periode_type maand.
-- Per GI, hand-overs included: a measure handed over leaves the handing GI's stock as
-- uitstroom (datum_einde, OVERGEDRAGEN) and enters the receiving GI's as instroom in the month
-- of datum_start_bij_gi, when the receiving GI's stand counts it from. Zero rows are absent
-- from the marts, hence the coalesce.
WITH stand AS (
    SELECT organisatie_code, peildatum, lopend
    FROM marts.stand
    WHERE organisatie_code <> 'TOTAAL' AND jeugdregio_code = 'TOTAAL' AND gemeente_code = 'TOTAAL'
        AND maatregel_type = 'TOTAAL'
),
instroom AS (
    SELECT organisatie_code, periode, aantal
    FROM marts.instroom
    WHERE periode_type = 'maand' AND bron = 'gi_maatregelen' AND organisatie_code <> 'TOTAAL'
        AND jeugdregio_code = 'TOTAAL' AND gemeente_code = 'TOTAAL' AND categorie = 'TOTAAL' AND soort_instroom = 'TOTAAL'
),
uitstroom AS (
    SELECT organisatie_code, periode, aantal
    FROM marts.uitstroom
    WHERE periode_type = 'maand' AND bron = 'gi_maatregelen' AND organisatie_code <> 'TOTAAL'
        AND jeugdregio_code = 'TOTAAL' AND gemeente_code = 'TOTAAL' AND categorie = 'TOTAAL'
),
maanden AS (
    SELECT
        organisatie_code,
        periode,
        peildatum,
        lag(peildatum) OVER (PARTITION BY organisatie_code ORDER BY periode) AS vorige_peildatum
    FROM modellen.maanden
    WHERE bron = 'gi_maatregelen'
),
balans AS (
    SELECT
        m.organisatie_code,
        m.peildatum,
        coalesce(v.lopend, 0) AS stand_vorige_maand,
        coalesce(i.aantal, 0) AS instroom,
        coalesce(u.aantal, 0) AS uitstroom,
        coalesce(s.lopend, 0) AS stand
    FROM maanden AS m
    LEFT JOIN stand AS v ON v.organisatie_code = m.organisatie_code AND v.peildatum = m.vorige_peildatum
    LEFT JOIN instroom AS i ON i.organisatie_code = m.organisatie_code AND i.periode = m.periode
    LEFT JOIN uitstroom AS u ON u.organisatie_code = m.organisatie_code AND u.periode = m.periode
    LEFT JOIN stand AS s ON s.organisatie_code = m.organisatie_code AND s.peildatum = m.peildatum
    WHERE m.vorige_peildatum IS NOT NULL
)
SELECT count(*) OVER () AS fouten, *
FROM balans
WHERE stand_vorige_maand + instroom - uitstroom <> stand
ORDER BY organisatie_code, peildatum
LIMIT 5;
