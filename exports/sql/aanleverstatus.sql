-- The delivery monitor's news for the region manifests: every expected delivery that was not
-- simply on time (late, quarantined, missing, or not yet due), per organisation, bron and month.
-- About organisations, not children, so no disclosure control applies. The manifest of a
-- region keeps the rows of the organisations active in it.
SELECT organisatie_code, bron, strftime(verwachte_maand, '%Y-%m-%d') AS verwachte_maand, status,
       strftime(leverdatum, '%Y-%m-%d') AS leverdatum, coalesce(regels, '') AS regels
FROM marts.aanlevering
WHERE status <> 'op_tijd'
ORDER BY organisatie_code, bron, verwachte_maand;
