-- Check versheid: every organisation and bron whose next delivery after its latest accepted
-- one is overdue (marts.aanlevering.verouderd), one row each.
SELECT DISTINCT organisatie_code, bron, laatste_geaccepteerde_peildatum, vandaag
FROM marts.aanlevering
WHERE verouderd
ORDER BY organisatie_code, bron;
