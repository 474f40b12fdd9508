-- marts.sleutelconflicten: partners of one jeugdregio delivering the same month with different
-- key fingerprints (issue 16). Deliveries may carry the fingerprint of the key their kind_ids were
-- computed with (column sleutel_vingerafdruk, one value per file: rule ALG-VING-001). Every
-- delivery in force is recorded once in meta.sleutel_vingerafdrukken (marts/meta/schema_bewaking.sql):
-- its fingerprint per jeugdregio of its records' municipality (referentie.gemeenten, valid on its
-- peildatum), so the RvdK, which delivers for every region, counts in each. The mart then lists
-- every jeugdregio and month (of the peildatum) whose deliveries carry more than one fingerprint;
-- of several deliveries of one organisation and bron in a month the latest counts (its version
-- that arrived last), so a corrected delivery ends the conflict. Deliveries without the column
-- are left out.
INSERT INTO meta.sleutel_vingerafdrukken
WITH records AS (
    SELECT 'gi_maatregelen' AS bron, organisatie_code, levering_id, levering_peildatum, gemeente_code,
        sleutel_vingerafdruk
    FROM staging.gi_maatregelen
    WHERE sleutel_vingerafdruk IS NOT NULL
    UNION ALL
    SELECT 'rvdk_onderzoeken', organisatie_code, levering_id, levering_peildatum, gemeente_code, sleutel_vingerafdruk
    FROM staging.rvdk_onderzoeken
    WHERE sleutel_vingerafdruk IS NOT NULL
    UNION ALL
    SELECT 'vt_meldingen', organisatie_code, levering_id, levering_peildatum, gemeente_code, sleutel_vingerafdruk
    FROM staging.vt_meldingen
    WHERE sleutel_vingerafdruk IS NOT NULL
)
SELECT
    r.bron,
    r.organisatie_code,
    g.peildatum,
    r.levering_id,
    g.sha256,
    g.volgnummer,
    gm.jeugdregio_code,
    r.sleutel_vingerafdruk,
    count(*) AS aantal_records
FROM records AS r
JOIN modellen.leveringen_in_gebruik AS g
    ON g.bron = r.bron AND g.organisatie_code = r.organisatie_code AND g.levering_id = r.levering_id
JOIN referentie.gemeenten AS gm
    ON gm.gemeente_code = r.gemeente_code
    AND (gm.geldig_van IS NULL OR gm.geldig_van <= r.levering_peildatum)
    AND (gm.geldig_tot IS NULL OR r.levering_peildatum <= gm.geldig_tot)
WHERE NOT EXISTS (
    SELECT 1 FROM meta.sleutel_vingerafdrukken AS s WHERE s.levering_id = g.levering_id AND s.sha256 = g.sha256
)
GROUP BY ALL;

CREATE OR REPLACE TABLE marts.sleutelconflicten AS
WITH laatste AS (
    -- Per organisation, bron and month the latest delivery recorded (the version that arrived last).
    SELECT *, date_trunc('month', peildatum)::DATE AS maand
    FROM meta.sleutel_vingerafdrukken
    QUALIFY dense_rank() OVER (
        PARTITION BY organisatie_code, bron, date_trunc('month', peildatum)
        ORDER BY peildatum DESC, coalesce(volgnummer, 0) DESC, levering_id DESC, sha256 DESC
    ) = 1
),
per_vingerafdruk AS (
    SELECT
        jeugdregio_code,
        maand,
        sleutel_vingerafdruk,
        string_agg(DISTINCT organisatie_code, ', ' ORDER BY organisatie_code) AS organisaties,
        count(DISTINCT organisatie_code) AS aantal_organisaties
    FROM laatste
    GROUP BY jeugdregio_code, maand, sleutel_vingerafdruk
)
SELECT
    jeugdregio_code,
    maand,
    count(*) AS aantal_vingerafdrukken,
    sum(aantal_organisaties)::BIGINT AS aantal_organisaties,
    string_agg(sleutel_vingerafdruk || ': ' || organisaties, '; ' ORDER BY sleutel_vingerafdruk) AS vingerafdrukken,
    printf(
        'in %s leverden partners over %s met verschillende sleutels (%s): andere sleutel?',
        jeugdregio_code, strftime(maand, '%Y-%m'),
        string_agg(organisaties || ' ' || sleutel_vingerafdruk, ', ' ORDER BY organisaties, sleutel_vingerafdruk)
    ) AS melding
FROM per_vingerafdruk
GROUP BY jeugdregio_code, maand
HAVING count(*) > 1
ORDER BY jeugdregio_code, maand;

