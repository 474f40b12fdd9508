-- modellen.leveringen_in_gebruik: the delivery in force per organisation and bron, chosen as
-- marts/meta/geaccepteerde_leveringen.sql and marts/registry.py current_deliveries choose it
-- (the latest peildatum, then the version that came into the inbox last), under the current
-- definitions version. Read by the key checks (marts.koppelgraad, marts.sleutelconflicten).
CREATE OR REPLACE VIEW modellen.leveringen_in_gebruik AS
WITH aankomst AS (
    SELECT levering_id, sha256, max(volgnummer) AS volgnummer
    FROM meta.inbox_versies
    GROUP BY levering_id, sha256
)
SELECT l.organisatie_code, l.bron, l.peildatum, l.levering_id, l.sha256, a.volgnummer
FROM meta.leveringen AS l
LEFT JOIN aankomst AS a USING (levering_id, sha256)
WHERE l.status = 'geaccepteerd'
    AND l.definities_versie = (SELECT definities_versie FROM modellen.instellingen)
QUALIFY row_number() OVER (
    PARTITION BY l.organisatie_code, l.bron
    ORDER BY l.peildatum DESC, a.volgnummer DESC NULLS LAST, l.verwerkt_op DESC, l.levering_id DESC
) = 1
