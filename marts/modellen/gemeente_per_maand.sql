-- modellen.gemeente_per_maand: the municipality and region of a record in each month it is
-- counted in (docs/contract.md section 4.5), for every record of gi_maatregelen,
-- vt_meldingen and rvdk_onderzoeken and every spine month holding one of its dates that a
-- flow, norm or lead-time mart counts on. The one place where the marts apply the rule:
--   municipality = coalesce(the history's gemeente_code in that month, the delivery in force's)
--   region       = modellen.regio_per_maand of that municipality in that month.
-- Marts join this on (bron, organisatie_code, record_sleutel, periode), a plain equi-join.
CREATE OR REPLACE TABLE modellen.gemeente_per_maand AS
WITH alle_datums AS (
    SELECT 'gi_maatregelen' AS bron, organisatie_code, record_sleutel, gemeente_code,
        unnest([datum_uitspraak, datum_start_bij_gi, datum_in_kennisstelling, datum_jeugdbeschermer,
            datum_plan_van_aanpak, datum_passende_hulp, datum_einde]) AS datum
    FROM staging.gi_maatregelen
    UNION ALL
    SELECT 'vt_meldingen', organisatie_code, record_sleutel, gemeente_code,
        unnest([datum_ontvangst, datum_afgerond, datum_verzoek_rvdk])
    FROM staging.vt_meldingen
    UNION ALL
    SELECT 'rvdk_onderzoeken', organisatie_code, record_sleutel, gemeente_code,
        unnest([datum_verzoek, datum_start, datum_rekest, datum_afgerond])
    FROM staging.rvdk_onderzoeken
),
-- Only the bronnen asked for ($bronnen, partitie: bron in the .yml): all of them in a full build.
datums AS (
    SELECT * FROM alle_datums WHERE list_contains($bronnen, bron)
),
maanden AS (
    SELECT DISTINCT d.bron, d.organisatie_code, d.record_sleutel, d.gemeente_code, m.periode
    FROM datums AS d
    JOIN modellen.maanden AS m
        ON m.bron = d.bron
        AND m.organisatie_code = d.organisatie_code
        AND m.periode = date_trunc('month', d.datum)::DATE
),
gemeenten AS (
    SELECT
        d.bron,
        d.organisatie_code,
        d.record_sleutel,
        d.periode,
        coalesce(h.gemeente_code, d.gemeente_code) AS gemeente_code
    FROM maanden AS d
    LEFT JOIN modellen.gemeente_historie AS h
        ON h.bron = d.bron
        AND h.organisatie_code = d.organisatie_code
        AND h.record_sleutel = d.record_sleutel
        AND d.periode >= h.van_periode
        AND d.periode < h.tot_periode
)
SELECT
    g.bron,
    g.organisatie_code,
    g.record_sleutel,
    g.periode,
    g.gemeente_code,
    coalesce(r.jeugdregio_code, 'ONBEKEND') AS jeugdregio_code
FROM gemeenten AS g
LEFT JOIN modellen.regio_per_maand AS r
    ON r.gemeente_code = g.gemeente_code
    AND r.periode = g.periode;
