-- modellen.lopende_maatregelen: every GI measure on every month-end peildatum of its
-- organisation's spine on which it is lopend at that GI (docs/contract.md section 4.4): its
-- start there (datum_start_hier = datum_start_bij_gi, else datum_uitspraak) <= peildatum and
-- datum_einde empty or after the peildatum (CBS convention: a measure ending on the peildatum
-- is not in the stock). A measure handed over counts at the receiving GI only from
-- datum_start_bij_gi, so with the sender's datum_einde on the take-over date it is never in
-- both stocks. It waits for a jeugdbeschermer when the worker that counts at this GI
-- (jeugdbeschermer_bij_gi: a VERVOLG keeps its worker, a hand-over waits for its own) is
-- empty or after the peildatum. The municipality is the one of that month (section 4.5,
-- modellen.gemeente_historie, else the delivery in force), the region that municipality's
-- in the month. Stand, wachttijden, achterstand and caseload all count from this one model.
CREATE OR REPLACE TABLE modellen.lopende_maatregelen AS
WITH historie AS (
    -- Per measure, its municipality's ranges of months as one list: a join on the measure
    -- before the months are spread out, not one on every measure-month (3.2 M rows nationally).
    SELECT
        organisatie_code,
        record_sleutel,
        list({'van': van_periode, 'tot': tot_periode, 'gemeente_code': gemeente_code}) AS reeksen
    FROM modellen.gemeente_historie
    WHERE bron = 'gi_maatregelen'
    GROUP BY organisatie_code, record_sleutel
),
maatregelen AS (
    SELECT t.*, h.reeksen
    FROM modellen.trajecten_maatregelen AS t
    LEFT JOIN historie AS h
        ON h.organisatie_code = t.organisatie_code
        AND h.record_sleutel = t.maatregel_id
),
lopend AS (
    SELECT
        m.peildatum,
        m.periode,
        m.meetdatum,
        t.organisatie_code,
        -- A record's ranges do not overlap (historie.gemeenten), so at most one holds the month.
        coalesce(
            list_filter(t.reeksen, r -> m.periode >= r.van AND m.periode < r.tot)[1].gemeente_code,
            t.gemeente_code
        ) AS gemeente_code,
        t.maatregel_type,
        t.kader,
        t.maatregel_id,
        t.kind_id,
        t.traject_id,
        t.soort_instroom,
        t.celsleutel,
        (t.jeugdbeschermer_bij_gi IS NULL OR t.jeugdbeschermer_bij_gi > m.peildatum) AS wachtend_op_jeugdbeschermer
    FROM maatregelen AS t
    JOIN modellen.maanden AS m
        ON m.bron = 'gi_maatregelen'
        AND m.organisatie_code = t.organisatie_code
        AND t.datum_start_hier <= m.peildatum
        AND (t.datum_einde IS NULL OR t.datum_einde > m.peildatum)
)
SELECT
    l.peildatum,
    l.periode,
    l.organisatie_code,
    coalesce(r.jeugdregio_code, 'ONBEKEND') AS jeugdregio_code,
    l.gemeente_code,
    l.maatregel_type,
    l.kader,
    l.maatregel_id,
    l.kind_id,
    l.traject_id,
    l.soort_instroom,
    tr.datum_in_kennisstelling AS traject_datum_in_kennisstelling,
    l.wachtend_op_jeugdbeschermer,
    -- The wait runs from the trajectory's first notification (a hand-over's wait includes the
    -- time at the GI before). It is measured at the meetdatum: in the month of a delivery with
    -- a mid-month peildatum, at that peildatum, since the delivery cannot know what happened
    -- after it. A measure pronounced but not yet notified waits 0 days.
    CASE WHEN l.wachtend_op_jeugdbeschermer
        THEN greatest(l.meetdatum - tr.datum_in_kennisstelling, 0)
    END AS wachttijd_dagen,
    -- Working days after the notification up to and including the meetdatum, counted as norm 1
    -- counts them; empty when the notification lies before the calendar (the monitor's start).
    CASE WHEN l.wachtend_op_jeugdbeschermer
        THEN greatest(wm.werkdag_volgnummer - wk.werkdag_volgnummer, 0)
    END AS wachttijd_werkdagen,
    l.meetdatum,
    l.celsleutel
FROM lopend AS l
JOIN modellen.trajecten AS tr
    ON tr.traject_id = l.traject_id
LEFT JOIN modellen.regio_per_maand AS r
    ON r.gemeente_code = l.gemeente_code
    AND r.periode = l.periode
LEFT JOIN modellen.werkdagen AS wk
    ON wk.datum = tr.datum_in_kennisstelling
LEFT JOIN modellen.werkdagen AS wm
    ON wm.datum = l.meetdatum;
