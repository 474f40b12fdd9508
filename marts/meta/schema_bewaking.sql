-- What the key checks measured per delivery (issue 16), kept beside the registry and never
-- dropped by a run: each delivery is measured once, when it is first in force, against the
-- partners' deliveries in force then, so the next delivery of its organisation is compared
-- with what was measured for this one, not with a figure recomputed against later data.
-- Written by the models marts/koppelgraad.sql and marts/sleutelconflicten.sql; a purge
-- (marts/opschonen.py) keeps them.

-- The koppelgraad of a delivery: how many of its records that should link to a partner bron by
-- kind_id did (marts/koppelgraad.sql says which records and which partner).
CREATE TABLE IF NOT EXISTS meta.koppelgraad (
    bron              VARCHAR NOT NULL,
    organisatie_code  VARCHAR NOT NULL,
    peildatum         DATE NOT NULL,
    levering_id       VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    volgnummer        BIGINT,             -- the version's arrival in the inbox (meta.inbox_versies)
    partner_bron      VARCHAR NOT NULL,
    partner_peildatum DATE NOT NULL,      -- the latest peildatum among the partner's deliveries in force
    aantal_records    BIGINT NOT NULL,    -- records that should link
    aantal_gekoppeld  BIGINT NOT NULL,    -- of which a partner record has the same kind_id
    PRIMARY KEY (levering_id, sha256)
);

-- The key fingerprints (column sleutel_vingerafdruk) a delivery carried, per jeugdregio of its
-- records' municipality: partners of one region must pseudonymise with one key.
CREATE TABLE IF NOT EXISTS meta.sleutel_vingerafdrukken (
    bron                 VARCHAR NOT NULL,
    organisatie_code     VARCHAR NOT NULL,
    peildatum            DATE NOT NULL,
    levering_id          VARCHAR NOT NULL,
    sha256               VARCHAR NOT NULL,
    volgnummer           BIGINT,
    jeugdregio_code      VARCHAR NOT NULL,
    sleutel_vingerafdruk VARCHAR NOT NULL,
    aantal_records       BIGINT NOT NULL,
    PRIMARY KEY (levering_id, sha256, jeugdregio_code, sleutel_vingerafdruk)
);
