-- modellen.trajecten: one row per trajectory (docs/contract.md section 4.1), from
-- modellen.trajecten_maatregelen. The first measure gives the anchor dates, the GI, the
-- municipality and the counting month; the event dates are the earliest non-empty dates
-- among all its measures (the worker, plan and help carry over to follow-on measures); the
-- end is empty while any measure is open, else the latest datum_einde; the judgement date
-- (beoordelingsdatum) is the latest peildatum among the organisations that delivered its
-- measures.
CREATE OR REPLACE TABLE modellen.trajecten AS
SELECT
    traject_id,
    kind_id,
    kader,
    arg_min(organisatie_code, volgnummer) AS organisatie_code,
    arg_min(maatregel_id, volgnummer) AS maatregel_id,
    arg_min(maatregel_type, volgnummer) AS maatregel_type,
    arg_min(gemeente_code, volgnummer) AS gemeente_code,
    arg_min(datum_uitspraak, volgnummer) AS datum_uitspraak,
    arg_min(datum_in_kennisstelling, volgnummer) AS datum_in_kennisstelling,
    min(datum_jeugdbeschermer) AS datum_jeugdbeschermer,
    min(datum_plan_van_aanpak) AS datum_plan_van_aanpak,
    min(datum_passende_hulp) AS datum_passende_hulp,
    CASE WHEN count(*) = count(datum_einde) THEN max(datum_einde) END AS datum_einde,
    max(levering_peildatum) AS beoordelingsdatum,
    count(*) AS aantal_maatregelen,
    count(DISTINCT organisatie_code) AS aantal_organisaties
FROM modellen.trajecten_maatregelen
GROUP BY traject_id, kind_id, kader
ORDER BY traject_id;
