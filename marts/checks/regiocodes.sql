-- Check regiocodes_bekend: every {kolom} of {tabel} is TOTAAL or a code of
-- referentie.gemeenten (ONBEKEND marks a municipality missing from the reference data).
SELECT count(*) OVER () AS fouten, {kolom}, count(*) AS rijen
FROM {tabel}
WHERE {kolom} IS NULL
    OR ({kolom} <> 'TOTAAL' AND {kolom} NOT IN (SELECT {kolom} FROM referentie.gemeenten))
GROUP BY {kolom}
LIMIT 5;
