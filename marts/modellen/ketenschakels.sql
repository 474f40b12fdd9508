-- modellen.ketenschakels: the chain links of docs/contract.md section 4.3 (doorstroom), for
-- every JB trajectory. A trajectory is linked, by its first measure's datum_uitspraak, to the
-- RvdK investigation of the same kind_id with the latest datum_rekest or datum_spoedverzoek
-- (an urgent request for a voorlopige maatregel during the investigation) on or before that
-- date, at most max_dagen_tussen_stappen before (inclusive); that investigation is linked to
-- the VT report of the same kind_id with the latest datum_verzoek_rvdk on or before the
-- investigation's datum_verzoek, equally bounded. Per trajectory, not per measure: the
-- OTS that follows a voorlopige OTS is not a second chain.
-- ASOF joins find the latest candidate on or before the date; when that one is too old, so
-- is every earlier one, and the trajectory stays unlinked.
CREATE OR REPLACE TABLE modellen.ketenschakels AS
WITH jb_trajecten AS (
    SELECT traject_id, organisatie_code, maatregel_id, kind_id, datum_uitspraak, datum_jeugdbeschermer
    FROM modellen.trajecten
    WHERE kader = 'JB'
),
verzoeken_rechter AS (
    -- Both the rekest and the urgent request link an investigation to the court's measure.
    SELECT onderzoek_id, kind_id, datum_verzoek, datum_rekest, datum_spoedverzoek,
        unnest([datum_rekest, datum_spoedverzoek]) AS koppel_datum
    FROM staging.rvdk_onderzoeken
),
kandidaten AS (
    -- One investigation per child and linking date (ties: the latest request, then the id).
    SELECT *
    FROM verzoeken_rechter
    WHERE koppel_datum IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY kind_id, koppel_datum ORDER BY datum_verzoek DESC, onderzoek_id DESC
    ) = 1
),
verzoeken AS (
    -- One VT report per child and request date (ties: the latest received, then the ids).
    SELECT organisatie_code, melding_id, kind_id, datum_ontvangst, datum_verzoek_rvdk
    FROM staging.vt_meldingen
    WHERE datum_verzoek_rvdk IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY kind_id, datum_verzoek_rvdk
        ORDER BY datum_ontvangst DESC, organisatie_code DESC, melding_id DESC
    ) = 1
),
met_onderzoek AS (
    SELECT
        j.*,
        j.datum_uitspraak - o.koppel_datum <= i.max_dagen_tussen_stappen AS gekoppeld,
        o.onderzoek_id,
        o.datum_verzoek,
        o.datum_rekest,
        o.datum_spoedverzoek,
        o.koppel_datum
    FROM jb_trajecten AS j
    CROSS JOIN modellen.instellingen AS i
    ASOF LEFT JOIN kandidaten AS o
        ON o.kind_id = j.kind_id
        AND j.datum_uitspraak >= o.koppel_datum
),
onderzoeken AS (
    SELECT
        * EXCLUDE (gekoppeld, onderzoek_id, datum_verzoek, datum_rekest, datum_spoedverzoek, koppel_datum),
        CASE WHEN gekoppeld THEN onderzoek_id END AS onderzoek_id,
        CASE WHEN gekoppeld THEN datum_verzoek END AS datum_verzoek,
        CASE WHEN gekoppeld THEN datum_rekest END AS datum_rekest,
        CASE WHEN gekoppeld THEN datum_spoedverzoek END AS datum_spoedverzoek,
        CASE WHEN gekoppeld THEN koppel_datum END AS koppel_datum
    FROM met_onderzoek
),
met_melding AS (
    SELECT
        mo.*,
        mo.datum_verzoek - v.datum_verzoek_rvdk <= i.max_dagen_tussen_stappen AS gekoppeld,
        v.organisatie_code AS vt_organisatie_code,
        v.melding_id,
        v.datum_ontvangst,
        v.datum_verzoek_rvdk
    FROM onderzoeken AS mo
    CROSS JOIN modellen.instellingen AS i
    ASOF LEFT JOIN verzoeken AS v
        ON v.kind_id = mo.kind_id
        AND mo.datum_verzoek >= v.datum_verzoek_rvdk
)
SELECT
    traject_id,
    organisatie_code,
    maatregel_id,
    kind_id,
    datum_uitspraak,
    datum_jeugdbeschermer,
    onderzoek_id,
    datum_verzoek,
    datum_rekest,
    datum_spoedverzoek,
    koppel_datum,
    CASE WHEN gekoppeld THEN vt_organisatie_code END AS vt_organisatie_code,
    CASE WHEN gekoppeld THEN melding_id END AS melding_id,
    CASE WHEN gekoppeld THEN datum_ontvangst END AS datum_ontvangst,
    CASE WHEN gekoppeld THEN datum_verzoek_rvdk END AS datum_verzoek_rvdk,
    -- The whole chain: from the VT report's receipt to the trajectory's vaste jeugdbeschermer.
    datum_jeugdbeschermer - CASE WHEN gekoppeld THEN datum_ontvangst END AS keten_dagen
FROM met_melding
ORDER BY traject_id;
