-- modellen.ketenschakels: the chain links of docs/contract.md section 4 (doorstroom), for every JB measure.
-- A JB measure is linked to the RvdK investigation of the same kind_id with the latest
-- datum_rekest on or before its datum_uitspraak, at most max_dagen_tussen_stappen before,
-- that investigation is linked to the VT report of the same kind_id with the latest
-- datum_verzoek_rvdk on or before the investigation's datum_verzoek, equally bounded.
-- ASOF joins find the latest candidate on or before the date; when that one is too old, so
-- is every earlier one, and the measure stays unlinked.
CREATE OR REPLACE TABLE modellen.ketenschakels AS
WITH jb_maatregelen AS (
    SELECT g.organisatie_code, g.maatregel_id, g.kind_id, g.gemeente_code, g.datum_uitspraak, g.datum_jeugdbeschermer
    FROM staging.gi_maatregelen AS g
    JOIN modellen.kaders AS k ON k.maatregel_type = g.maatregel_type
    WHERE k.kader = 'JB'
),
rekesten AS (
    -- One investigation per child and rekest date (ties: the latest request, then the id).
    SELECT onderzoek_id, kind_id, datum_verzoek, datum_rekest
    FROM staging.rvdk_onderzoeken
    WHERE datum_rekest IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY kind_id, datum_rekest ORDER BY datum_verzoek DESC, onderzoek_id DESC
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
        CASE WHEN j.datum_uitspraak - o.datum_rekest <= i.max_dagen_tussen_stappen THEN o.onderzoek_id END
            AS onderzoek_id,
        CASE WHEN j.datum_uitspraak - o.datum_rekest <= i.max_dagen_tussen_stappen THEN o.datum_verzoek END
            AS datum_verzoek,
        CASE WHEN j.datum_uitspraak - o.datum_rekest <= i.max_dagen_tussen_stappen THEN o.datum_rekest END
            AS datum_rekest
    FROM jb_maatregelen AS j
    CROSS JOIN modellen.instellingen AS i
    ASOF LEFT JOIN rekesten AS o
        ON o.kind_id = j.kind_id
        AND j.datum_uitspraak >= o.datum_rekest
),
met_melding AS (
    SELECT
        mo.*,
        CASE WHEN mo.datum_verzoek - v.datum_verzoek_rvdk <= i.max_dagen_tussen_stappen THEN v.organisatie_code END
            AS vt_organisatie_code,
        CASE WHEN mo.datum_verzoek - v.datum_verzoek_rvdk <= i.max_dagen_tussen_stappen THEN v.melding_id END
            AS melding_id,
        CASE WHEN mo.datum_verzoek - v.datum_verzoek_rvdk <= i.max_dagen_tussen_stappen THEN v.datum_ontvangst END
            AS datum_ontvangst,
        CASE WHEN mo.datum_verzoek - v.datum_verzoek_rvdk <= i.max_dagen_tussen_stappen THEN v.datum_verzoek_rvdk END
            AS datum_verzoek_rvdk
    FROM met_onderzoek AS mo
    CROSS JOIN modellen.instellingen AS i
    ASOF LEFT JOIN verzoeken AS v
        ON v.kind_id = mo.kind_id
        AND mo.datum_verzoek >= v.datum_verzoek_rvdk
)
SELECT
    organisatie_code,
    maatregel_id,
    kind_id,
    gemeente_code,
    datum_uitspraak,
    datum_jeugdbeschermer,
    onderzoek_id,
    datum_verzoek,
    datum_rekest,
    vt_organisatie_code,
    melding_id,
    datum_ontvangst,
    datum_verzoek_rvdk,
    -- The whole chain: from the VT report's receipt to the vaste jeugdbeschermer.
    datum_jeugdbeschermer - datum_ontvangst AS keten_dagen
FROM met_melding;
