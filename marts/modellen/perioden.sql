-- modellen.perioden: for every bron and organisation, each month of its spine with every
-- reporting period (docs/contract.md section 4.3) that contains the month and is complete
-- for the organisation: all the period's months lie on its spine (from the monitor's start
-- month to the month of its latest peildatum). A mart joins its monthly counts (or its
-- cases, for medians) on (bron, organisatie_code, maand) and groups by periode_type and
-- periode: the expansion and the completeness rule live here, in one place. A roll-up row
-- then holds exactly the organisations for which its period is complete.
-- rollend_12: periode is the first day of the window's last month; the window is that month
-- and the 11 before it.
CREATE OR REPLACE TABLE modellen.perioden AS
WITH spine AS (
    SELECT
        bron,
        organisatie_code,
        periode AS maand,
        min(periode) OVER organisatie AS eerste_maand,
        max(periode) OVER organisatie AS laatste_maand
    FROM modellen.maanden
    WINDOW organisatie AS (PARTITION BY bron, organisatie_code)
),
kalender AS (
    SELECT
        s.*,
        p.periode_type,
        p.periode,
        p.van,
        p.tot
    FROM spine AS s
    CROSS JOIN LATERAL (
        SELECT 'maand' AS periode_type, s.maand AS periode, s.maand AS van, s.maand AS tot
        UNION ALL
        SELECT 'kwartaal', date_trunc('quarter', s.maand)::DATE, date_trunc('quarter', s.maand)::DATE,
            (date_trunc('quarter', s.maand) + INTERVAL 2 MONTH)::DATE
        UNION ALL
        SELECT 'halfjaar', make_date(year(s.maand), CASE WHEN month(s.maand) <= 6 THEN 1 ELSE 7 END, 1),
            make_date(year(s.maand), CASE WHEN month(s.maand) <= 6 THEN 1 ELSE 7 END, 1),
            make_date(year(s.maand), CASE WHEN month(s.maand) <= 6 THEN 6 ELSE 12 END, 1)
        UNION ALL
        SELECT 'jaar', date_trunc('year', s.maand)::DATE, date_trunc('year', s.maand)::DATE,
            make_date(year(s.maand), 12, 1)
        UNION ALL
        -- The twelve windows holding this month end in it or in one of the 11 months after it.
        SELECT 'rollend_12', (s.maand + to_months(k))::DATE, (s.maand + to_months(k - 11))::DATE,
            (s.maand + to_months(k))::DATE
        FROM range(12) AS r(k)
    ) AS p
)
SELECT
    bron,
    organisatie_code,
    periode_type,
    periode,
    maand,
    last_day(tot) AS periode_einde
FROM kalender
WHERE van >= eerste_maand AND tot <= laatste_maand
ORDER BY bron, organisatie_code, periode_type, periode, maand;
