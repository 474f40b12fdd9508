-- marts.koppelgraad: key mismatch detection (issue 16). A delivery pseudonymised with another key
-- than its partners' passes every rule, but its kind_ids link to nobody. So every delivery in
-- force is measured once, when it is first in force, against the partners' deliveries in force
-- then, and kept in meta.koppelgraad (marts/meta/schema_bewaking.sql): of its records that should
-- link to a partner by kind_id, how many do. The links:
--   gi_maatregelen   -> rvdk_onderzoeken: every measure with a kind_id (the Raad investigated first);
--   rvdk_onderzoeken -> vt_meldingen: every BESCHERMINGSONDERZOEK with a kind_id;
--   vt_meldingen     -> rvdk_onderzoeken: every report with a datum_verzoek_rvdk and a kind_id.
-- A partner bron with no records yet measures nothing (the delivery is measured at a later build).
-- The mart then compares each measurement with the organisation's previous peildatum; a drop of
-- at least daling_procentpunten points and daling_relatief_pct percent of the previous share,
-- both with at least min_records records, is a warning (koppelgraad in definitions/instellingen.yaml).
INSERT INTO meta.koppelgraad
WITH rvdk_kinderen AS (
    SELECT DISTINCT kind_id FROM staging.rvdk_onderzoeken WHERE kind_id IS NOT NULL
),
vt_kinderen AS (
    SELECT DISTINCT kind_id FROM staging.vt_meldingen WHERE kind_id IS NOT NULL
),
partners AS (
    SELECT 'rvdk_onderzoeken' AS partner_bron, max(levering_peildatum) AS partner_peildatum
    FROM staging.rvdk_onderzoeken
    UNION ALL
    SELECT 'vt_meldingen', max(levering_peildatum) FROM staging.vt_meldingen
),
metingen AS (
    SELECT
        'gi_maatregelen' AS bron,
        m.organisatie_code,
        m.levering_id,
        'rvdk_onderzoeken' AS partner_bron,
        count(*) AS aantal_records,
        count(p.kind_id) AS aantal_gekoppeld
    FROM staging.gi_maatregelen AS m
    LEFT JOIN rvdk_kinderen AS p ON p.kind_id = m.kind_id
    WHERE m.kind_id IS NOT NULL
    GROUP BY m.organisatie_code, m.levering_id
    UNION ALL
    SELECT 'rvdk_onderzoeken', o.organisatie_code, o.levering_id, 'vt_meldingen', count(*), count(p.kind_id)
    FROM staging.rvdk_onderzoeken AS o
    LEFT JOIN vt_kinderen AS p ON p.kind_id = o.kind_id
    WHERE o.kind_id IS NOT NULL AND o.soort = 'BESCHERMINGSONDERZOEK'
    GROUP BY o.organisatie_code, o.levering_id
    UNION ALL
    SELECT 'vt_meldingen', v.organisatie_code, v.levering_id, 'rvdk_onderzoeken', count(*), count(p.kind_id)
    FROM staging.vt_meldingen AS v
    LEFT JOIN rvdk_kinderen AS p ON p.kind_id = v.kind_id
    WHERE v.kind_id IS NOT NULL AND v.datum_verzoek_rvdk IS NOT NULL
    GROUP BY v.organisatie_code, v.levering_id
)
SELECT
    m.bron,
    m.organisatie_code,
    g.peildatum,
    m.levering_id,
    g.sha256,
    g.volgnummer,
    m.partner_bron,
    p.partner_peildatum,
    m.aantal_records,
    m.aantal_gekoppeld
FROM metingen AS m
JOIN modellen.leveringen_in_gebruik AS g
    ON g.bron = m.bron AND g.organisatie_code = m.organisatie_code AND g.levering_id = m.levering_id
JOIN partners AS p
    ON p.partner_bron = m.partner_bron AND p.partner_peildatum IS NOT NULL
WHERE NOT EXISTS (
    SELECT 1 FROM meta.koppelgraad AS k WHERE k.levering_id = g.levering_id AND k.sha256 = g.sha256
);

CREATE OR REPLACE TABLE marts.koppelgraad AS
WITH metingen AS (
    SELECT *, 100.0 * aantal_gekoppeld / aantal_records AS koppelgraad_pct
    FROM meta.koppelgraad
),
per_peildatum AS (
    -- Of several measured versions of one peildatum, the one that arrived last.
    SELECT
        bron,
        organisatie_code,
        peildatum,
        arg_max(koppelgraad_pct, coalesce(volgnummer, 0)) AS koppelgraad_pct,
        arg_max(aantal_records, coalesce(volgnummer, 0)) AS aantal_records
    FROM metingen
    GROUP BY bron, organisatie_code, peildatum
),
vorige AS (
    SELECT
        bron,
        organisatie_code,
        peildatum,
        lag(peildatum) OVER w AS vorige_peildatum,
        lag(koppelgraad_pct) OVER w AS vorige_koppelgraad_pct,
        lag(aantal_records) OVER w AS vorige_aantal_records
    FROM per_peildatum
    WINDOW w AS (PARTITION BY bron, organisatie_code ORDER BY peildatum)
),
beoordeeld AS (
    SELECT
        m.*,
        v.vorige_peildatum,
        v.vorige_aantal_records,
        v.vorige_koppelgraad_pct,
        g.levering_id IS NOT NULL AS in_gebruik,
        coalesce(
            m.aantal_records >= $min_records
            AND v.vorige_aantal_records >= $min_records
            AND v.vorige_koppelgraad_pct - m.koppelgraad_pct >= $daling_procentpunten
            AND v.vorige_koppelgraad_pct - m.koppelgraad_pct >= v.vorige_koppelgraad_pct * $daling_relatief_pct / 100,
            false
        ) AS daling
    FROM metingen AS m
    JOIN vorige AS v USING (bron, organisatie_code, peildatum)
    LEFT JOIN modellen.leveringen_in_gebruik AS g USING (levering_id, sha256)
)
SELECT
    bron,
    organisatie_code,
    peildatum,
    levering_id,
    sha256,
    partner_bron,
    partner_peildatum,
    aantal_records,
    aantal_gekoppeld,
    koppelgraad_pct,
    vorige_peildatum,
    vorige_aantal_records,
    vorige_koppelgraad_pct,
    in_gebruik,
    daling,
    CASE WHEN daling THEN printf(
        'koppelgraad van %s daalde van %d%% naar %d%%: andere sleutel?',
        organisatie_code, round(vorige_koppelgraad_pct)::BIGINT, round(koppelgraad_pct)::BIGINT
    ) END AS melding
FROM beoordeeld
ORDER BY bron, organisatie_code, peildatum, levering_id, sha256;

