-- Key fingerprint warnings for the board (issue 16): every jeugdregio and month of the last
-- $maanden months (up to the latest month a fingerprint was recorded for) whose partners' deliveries
-- carry different key fingerprints (marts.sleutelconflicten).
SELECT jeugdregio_code, maand, melding
FROM marts.sleutelconflicten
WHERE maand > (SELECT max(date_trunc('month', peildatum)) FROM meta.sleutel_vingerafdrukken)
    - to_months(CAST($maanden AS INTEGER))
ORDER BY maand DESC, jeugdregio_code;
