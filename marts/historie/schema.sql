-- Region by month (docs/contract.md section 4.5): which municipality each record had in which
-- months, folded in from every accepted delivery in order of peildatum. Kept beside the
-- registry, never dropped by a run: the history outlives the delivery files it came from.
CREATE SCHEMA IF NOT EXISTS historie;

-- The deliveries folded into historie.gemeenten, per bron and organisation: one per
-- peildatum (the version in force for that peildatum).
CREATE TABLE IF NOT EXISTS historie.opgenomen (
    bron              VARCHAR NOT NULL,
    organisatie_code  VARCHAR NOT NULL,
    peildatum         DATE NOT NULL,
    levering_id       VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    definities_versie VARCHAR NOT NULL,
    PRIMARY KEY (bron, organisatie_code, peildatum)
);

-- A record's municipality for the months van_periode (inclusive) to tot_periode (exclusive);
-- '-infinity' and 'infinity' for open ends. A new interval starts only where a delivery
-- carries another municipality than the one before it, so the table grows with the moves,
-- not with the deliveries.
CREATE TABLE IF NOT EXISTS historie.gemeenten (
    bron             VARCHAR NOT NULL,
    organisatie_code VARCHAR NOT NULL,
    record_sleutel   VARCHAR NOT NULL,
    gemeente_code    VARCHAR,
    van_periode      DATE NOT NULL,
    tot_periode      DATE NOT NULL
);
