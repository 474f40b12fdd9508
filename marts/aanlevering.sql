-- marts.aanlevering: the delivery monitor for the governance board (issue part 2). For
-- every organisation in the reference data, every bron its type delivers
-- (definitions/bronnen) and every expected month: was that month's delivery (peildatum in
-- the month) accepted on time, late, only quarantined, or is it missing? Reads the delivery
-- registry meta.leveringen; "today" ($vandaag) and the terms come from the runner
-- (definitions/instellingen.yaml, KETENMONITOR_VANDAAG), so a rebuild is deterministic.
CREATE OR REPLACE TABLE marts.aanlevering AS
WITH parameters AS (
    SELECT
        $vandaag::DATE AS vandaag,
        $termijn_dagen::BIGINT AS termijn_dagen,
        $signaal_na_dagen::BIGINT AS signaal_na_dagen,
        -- The last complete month before today: the latest month a delivery can be expected for.
        (date_trunc('month', $vandaag::DATE) - INTERVAL 1 MONTH)::DATE AS laatste_volledige_maand
),
bron_per_type AS (
    SELECT unnest($organisatie_types::VARCHAR[]) AS organisatie_type, unnest($bronnen::VARCHAR[]) AS bron
),
verwacht AS (
    SELECT o.organisatie_code, o.organisatie_naam, b.bron
    FROM referentie.organisaties AS o
    JOIN bron_per_type AS b ON b.organisatie_type = o.organisatie_type
),
eerst_gezien AS (
    -- A file version re-validated under newer definitions keeps the date it first arrived.
    SELECT levering_id, sha256, min(verwerkt_op) AS eerst_gezien_op
    FROM meta.leveringen
    GROUP BY levering_id, sha256
),
leveringen AS (
    -- Every version judged under the current definitions, in the month of its peildatum.
    SELECT
        l.organisatie_code,
        l.bron,
        date_trunc('month', l.peildatum)::DATE AS maand,
        l.levering_id,
        l.status,
        l.regels,
        e.eerst_gezien_op
    FROM meta.leveringen AS l
    JOIN eerst_gezien AS e USING (levering_id, sha256)
    CROSS JOIN modellen.instellingen AS i
    CROSS JOIN parameters AS p
    WHERE l.definities_versie = i.definities_versie
        -- Judged as known on vandaag: a later arrival does not count (re-judging a past day).
        AND e.eerst_gezien_op::DATE <= p.vandaag
        AND l.peildatum IS NOT NULL
        AND l.peildatum >= i.monitor_startdatum
),
eerste_maand AS (
    SELECT organisatie_code, bron, min(maand) AS eerste, max(maand) AS laatste
    FROM leveringen
    GROUP BY organisatie_code, bron
),
keten_start AS (
    -- The chain's first delivered month, over the organisations and bronnen expected.
    SELECT min(m.eerste) AS eerste
    FROM eerste_maand AS m
    JOIN verwacht AS v USING (organisatie_code, bron)
),
raster AS (
    -- Months are expected from the organisation's first delivery of the bron (any verdict) up
    -- to the last complete month; one that never delivered from the chain's first delivered
    -- month (or, with no delivery at all, the last complete month alone).
    SELECT
        v.organisatie_code,
        v.organisatie_naam,
        v.bron,
        unnest(generate_series(
            least(
                coalesce(m.eerste, k.eerste, p.laatste_volledige_maand),
                p.laatste_volledige_maand
            ),
            greatest(p.laatste_volledige_maand, coalesce(m.laatste, p.laatste_volledige_maand)),
            INTERVAL 1 MONTH
        ))::DATE AS verwachte_maand
    FROM verwacht AS v
    CROSS JOIN parameters AS p
    CROSS JOIN keten_start AS k
    LEFT JOIN eerste_maand AS m USING (organisatie_code, bron)
),
geaccepteerd AS (
    -- The first accepted version of the month counts (a later correction does not make it later).
    SELECT
        organisatie_code,
        bron,
        maand,
        arg_min(levering_id, eerst_gezien_op) AS levering_id,
        arg_min(regels, eerst_gezien_op) AS regels,
        min(eerst_gezien_op) AS geleverd_op
    FROM leveringen
    WHERE status = 'geaccepteerd'
    GROUP BY organisatie_code, bron, maand
),
afgekeurd AS (
    SELECT
        organisatie_code,
        bron,
        maand,
        arg_min(levering_id, eerst_gezien_op) AS levering_id,
        -- Every rule any rejected version of the month broke.
        array_to_string(list_sort(list_distinct(flatten(list(string_split(regels, ','))))), ',') AS regels,
        min(eerst_gezien_op) AS geleverd_op
    FROM leveringen
    WHERE status = 'quarantaine'
    GROUP BY organisatie_code, bron, maand
),
laatste_geaccepteerd AS (
    SELECT organisatie_code, bron, max(maand) AS maand
    FROM leveringen
    WHERE status = 'geaccepteerd'
    GROUP BY organisatie_code, bron
),
eerste_verwacht AS (
    SELECT organisatie_code, bron, min(verwachte_maand) AS maand
    FROM raster
    GROUP BY organisatie_code, bron
),
per_maand AS (
    SELECT
        r.organisatie_code,
        r.organisatie_naam,
        r.bron,
        r.verwachte_maand,
        last_day(r.verwachte_maand) AS verwachte_peildatum,
        last_day(r.verwachte_maand) + p.termijn_dagen::INTEGER AS uiterste_leverdatum,
        coalesce(g.geleverd_op, a.geleverd_op)::DATE AS leverdatum,
        coalesce(g.levering_id, a.levering_id) AS levering_id,
        nullif(coalesce(g.regels, a.regels), '') AS regels,
        (g.maand IS NULL AND a.maand IS NOT NULL) AS alleen_afgekeurd,
        g.maand IS NOT NULL AS geaccepteerd,
        lg.maand AS laatste_geaccepteerde_maand,
        ev.maand AS eerste_verwachte_maand,
        p.vandaag,
        p.signaal_na_dagen
    FROM raster AS r
    CROSS JOIN parameters AS p
    LEFT JOIN geaccepteerd AS g
        ON g.organisatie_code = r.organisatie_code AND g.bron = r.bron AND g.maand = r.verwachte_maand
    LEFT JOIN afgekeurd AS a
        ON a.organisatie_code = r.organisatie_code AND a.bron = r.bron AND a.maand = r.verwachte_maand
    LEFT JOIN laatste_geaccepteerd AS lg
        ON lg.organisatie_code = r.organisatie_code AND lg.bron = r.bron
    LEFT JOIN eerste_verwacht AS ev
        ON ev.organisatie_code = r.organisatie_code AND ev.bron = r.bron
)
SELECT
    organisatie_code,
    organisatie_naam,
    bron,
    verwachte_maand,
    verwachte_peildatum,
    uiterste_leverdatum,
    CASE
        WHEN geaccepteerd AND leverdatum <= uiterste_leverdatum THEN 'op_tijd'
        WHEN geaccepteerd THEN 'te_laat'
        WHEN alleen_afgekeurd THEN 'in_quarantaine'
        WHEN vandaag <= uiterste_leverdatum THEN 'nog_binnen_termijn'
        ELSE 'ontbreekt'
    END AS status,
    leverdatum,
    (leverdatum - verwachte_peildatum)::BIGINT AS dagen_na_maandeinde,
    levering_id,
    regels,
    last_day(laatste_geaccepteerde_maand) AS laatste_geaccepteerde_peildatum,
    -- Stale: the month after the latest accepted one (or the first expected month, when none
    -- was accepted) has been due for more than signaal_na_dagen; the freshness check warns.
    last_day(coalesce(laatste_geaccepteerde_maand + INTERVAL 1 MONTH, eerste_verwachte_maand))
        + signaal_na_dagen::INTEGER < vandaag AS verouderd,
    vandaag
FROM per_maand
ORDER BY organisatie_code, bron, verwachte_maand;
