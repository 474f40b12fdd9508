-- modellen.trajecten_maatregelen: every GI measure with its trajectory (docs/contract.md
-- section 4.1). A child's measures of one kader, ordered by datum_uitspraak, then
-- datum_in_kennisstelling, then maatregel_id (then organisatie_code: ids are unique only
-- within a delivery), form one trajectory while each next measure's datum_uitspraak lies on
-- or before the latest datum_einde so far + 7 days, or any measure so far is still open.
-- The measure that follows directly decides soort_instroom: VERVOLG at the same GI,
-- OVERDRACHT at another GI. jeugdbeschermer_bij_gi is the worker that counts for this
-- measure in the stock (4.4): the earliest worker date of the run of measures at this GI
-- that ends with this one (a VERVOLG keeps its worker; a hand-over waits for its own).
CREATE OR REPLACE TABLE modellen.trajecten_maatregelen AS
WITH maatregelen AS (
    SELECT
        g.organisatie_code,
        g.maatregel_id,
        g.kind_id,
        coalesce(k.kader, 'ONBEKEND') AS kader,
        g.maatregel_type,
        g.gemeente_code,
        g.datum_uitspraak,
        g.datum_in_kennisstelling,
        g.datum_jeugdbeschermer,
        g.datum_plan_van_aanpak,
        g.datum_passende_hulp,
        g.datum_einde,
        g.reden_einde,
        g.datum_start_bij_gi,
        coalesce(g.datum_start_bij_gi, g.datum_uitspraak) AS datum_start_hier,
        g.levering_peildatum,
        g.celsleutel,
        i.traject_marge_dagen AS marge_dagen
    FROM staging.gi_maatregelen AS g
    CROSS JOIN modellen.instellingen AS i
    LEFT JOIN modellen.kaders AS k ON k.maatregel_type = g.maatregel_type
),
geordend AS (
    SELECT
        *,
        row_number() OVER kind AS volgorde,
        -- The latest end among the measures before this one; 'infinity' while one is open.
        max(coalesce(datum_einde, DATE 'infinity')) OVER (
            kind ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS einde_tot_nu,
        lag(organisatie_code) OVER kind AS vorige_organisatie_code
    FROM maatregelen
    WINDOW kind AS (
        PARTITION BY kind_id, kader
        ORDER BY datum_uitspraak, datum_in_kennisstelling, maatregel_id, organisatie_code
    )
),
gemarkeerd AS (
    SELECT
        *,
        CASE
            WHEN einde_tot_nu IS NULL THEN 'NIEUW_TRAJECT'
            WHEN einde_tot_nu <> DATE 'infinity'
                AND datum_uitspraak > einde_tot_nu + marge_dagen::INTEGER
                THEN 'NIEUW_TRAJECT'
            WHEN vorige_organisatie_code = organisatie_code THEN 'VERVOLG'
            ELSE 'OVERDRACHT'
        END AS soort_instroom
    FROM geordend
),
genummerd AS (
    SELECT
        *,
        count(*) FILTER (WHERE soort_instroom = 'NIEUW_TRAJECT') OVER kind AS traject_nummer,
        -- A run of consecutive measures at one GI within the trajectory: it starts at a new
        -- trajectory or a hand-over.
        count(*) FILTER (WHERE soort_instroom <> 'VERVOLG') OVER kind AS gi_reeks
    FROM gemarkeerd
    WINDOW kind AS (PARTITION BY kind_id, kader ORDER BY volgorde ROWS UNBOUNDED PRECEDING)
)
SELECT
    organisatie_code,
    maatregel_id,
    kind_id,
    kader,
    -- Internal key of the trajectory; it holds the pseudonym and never leaves the warehouse.
    kader || ':' || kind_id || ':' || traject_nummer AS traject_id,
    row_number() OVER (PARTITION BY kind_id, kader, traject_nummer ORDER BY volgorde) AS volgnummer,
    soort_instroom,
    maatregel_type,
    gemeente_code,
    datum_uitspraak,
    datum_in_kennisstelling,
    datum_jeugdbeschermer,
    datum_plan_van_aanpak,
    datum_passende_hulp,
    datum_einde,
    reden_einde,
    datum_start_bij_gi,
    datum_start_hier,
    min(datum_jeugdbeschermer) OVER (
        PARTITION BY kind_id, kader, traject_nummer, gi_reeks ORDER BY volgorde ROWS UNBOUNDED PRECEDING
    ) AS jeugdbeschermer_bij_gi,
    levering_peildatum,
    celsleutel
FROM genummerd
ORDER BY kind_id, kader, traject_id, volgnummer;
