-- The jeugdregio's and months in which partners delivered with different key fingerprints.
SELECT count(*) OVER () AS fouten, jeugdregio_code, maand, melding
FROM marts.sleutelconflicten
ORDER BY maand DESC
LIMIT 5;
