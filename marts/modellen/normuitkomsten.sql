-- modellen.normuitkomsten: the outcome of every trajectory for every norm (docs/contract.md
-- section 4.2), from the deadlines of modellen.traject_termijnen. A trajectory is a norm case
-- once: in the counting month of its first measure (only months on that GI's spine), for that
-- measure's GI, in the region of that measure's municipality in that month
-- (modellen.gemeente_per_maand). Outcome, tested in the contract's order:
--   binnen:             an event date on or before the deadline (also before the anchor:
--                       help that was already running counts);
--   buiten:             an event date after the deadline;
--   beeindigd:          no event date and the trajectory ended on or before the deadline
--                       (left out of the percentage);
--   buiten:             no event date and the deadline lies before the judgement date;
--   nog_binnen_termijn: otherwise.
-- A view: person-level rows are not copied; marts.normen aggregates it in one pass.
CREATE OR REPLACE VIEW modellen.normuitkomsten AS
SELECT
    m.periode,
    t.organisatie_code,
    g.jeugdregio_code,
    g.gemeente_code,
    t.kader,
    t.norm,
    t.traject_id,
    t.maatregel_id,
    t.anker_datum,
    t.uiterste_datum,
    t.doel_datum,
    t.datum_einde,
    t.beoordelingsdatum,
    CASE
        WHEN t.doel_datum <= t.uiterste_datum THEN 'binnen'
        WHEN t.doel_datum > t.uiterste_datum THEN 'buiten'
        WHEN t.datum_einde <= t.uiterste_datum THEN 'beeindigd'
        WHEN t.uiterste_datum < t.beoordelingsdatum THEN 'buiten'
        ELSE 'nog_binnen_termijn'
    END AS uitkomst
FROM modellen.traject_termijnen AS t
JOIN modellen.maanden AS m
    ON m.bron = 'gi_maatregelen'
    AND m.organisatie_code = t.organisatie_code
    AND m.periode = date_trunc('month', t.tel_datum)::DATE
JOIN modellen.gemeente_per_maand AS g
    ON g.bron = 'gi_maatregelen'
    AND g.organisatie_code = t.organisatie_code
    AND g.record_sleutel = t.maatregel_id
    AND g.periode = m.periode;
