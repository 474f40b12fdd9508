-- The board's delivery grid: the delivery monitor's status per organisation, bron and month
-- for the last $maanden expected months (organisation-level facts, no figures about children).
SELECT a.organisatie_code, a.organisatie_naam, a.bron, a.verwachte_maand, a.status, coalesce(a.regels, '') AS regels,
       a.verouderd
FROM marts.aanlevering AS a
WHERE a.verwachte_maand > (SELECT max(verwachte_maand) FROM marts.aanlevering) - to_months(CAST($maanden AS INTEGER))
ORDER BY a.organisatie_code, a.bron, a.verwachte_maand;
