-- Retention (marts/opschonen.py): the region history a purge froze.
CREATE SCHEMA IF NOT EXISTS historie;

-- The baseline of an organisation's region history (docs/contract.md section 4.5): its history
-- as folded from its deliveries up to the purge horizon (the last purged peildatum), whose typed
-- copies are gone. A refold (marts/historie.py) starts from here and folds only the later
-- deliveries. Same columns as historie.opgenomen and historie.gemeenten.
CREATE TABLE IF NOT EXISTS historie.basis_opgenomen (
    bron              VARCHAR NOT NULL,
    organisatie_code  VARCHAR NOT NULL,
    peildatum         DATE NOT NULL,
    levering_id       VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    definities_versie VARCHAR NOT NULL,
    PRIMARY KEY (bron, organisatie_code, peildatum)
);

CREATE TABLE IF NOT EXISTS historie.basis_gemeenten (
    bron             VARCHAR NOT NULL,
    organisatie_code VARCHAR NOT NULL,
    record_sleutel   VARCHAR NOT NULL,
    gemeente_code    VARCHAR,
    van_periode      DATE NOT NULL,
    tot_periode      DATE NOT NULL
);
