-- modellen.maanden: the month spine. For every bron and organisation in staging, one row
-- per month from the monitor's start date up to and including the month of the
-- organisation's latest accepted peildatum (levering_peildatum of its delivery in force).
-- Marts join their records to this spine, so an organisation's figures stop at its own
-- peildatum and nothing before the start date is reported.
CREATE OR REPLACE TABLE modellen.maanden AS
WITH leveringen AS (
    SELECT DISTINCT 'gi_maatregelen' AS bron, organisatie_code, levering_peildatum FROM staging.gi_maatregelen
    UNION ALL
    SELECT DISTINCT 'gi_capaciteit', organisatie_code, levering_peildatum FROM staging.gi_capaciteit
    UNION ALL
    SELECT DISTINCT 'vt_meldingen', organisatie_code, levering_peildatum FROM staging.vt_meldingen
    UNION ALL
    SELECT DISTINCT 'rvdk_onderzoeken', organisatie_code, levering_peildatum FROM staging.rvdk_onderzoeken
),
per_organisatie AS (
    -- Staging holds one delivery in force per organisation and bron; max() only guards.
    SELECT bron, organisatie_code, max(levering_peildatum) AS levering_peildatum
    FROM leveringen
    GROUP BY bron, organisatie_code
),
spine AS (
    SELECT
        p.bron,
        p.organisatie_code,
        unnest(generate_series(
            date_trunc('month', i.monitor_startdatum),
            date_trunc('month', p.levering_peildatum),
            INTERVAL 1 MONTH
        ))::DATE AS periode,
        p.levering_peildatum
    FROM per_organisatie AS p
    CROSS JOIN modellen.instellingen AS i
)
SELECT
    bron,
    organisatie_code,
    periode,
    last_day(periode) AS peildatum,
    levering_peildatum,
    -- The date figures "on the peildatum" are measured at: the month's last day, or the
    -- delivery's peildatum when that lies earlier (a delivery made mid-month).
    least(last_day(periode), levering_peildatum) AS meetdatum,
    periode = date_trunc('month', levering_peildatum)::DATE AS laatste_maand
FROM spine
ORDER BY bron, organisatie_code, periode;
