-- The delivery registry: every processed version (delivery id + sha256) of every delivery
-- file, its verdict and the rules it broke. Created once; never dropped by a run.
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.leveringen (
    levering_id        VARCHAR NOT NULL,   -- the file's place in the inbox: <org>/<bron>/<peildatum>.<ext>
    sha256             VARCHAR NOT NULL,
    organisatie_code   VARCHAR,
    bron               VARCHAR,
    peildatum          DATE,
    formaat            VARCHAR,
    aantal_rijen       BIGINT,
    status             VARCHAR NOT NULL,   -- geaccepteerd | quarantaine
    fouten             INTEGER NOT NULL,   -- failing error rules
    waarschuwingen     INTEGER NOT NULL,   -- failing warning rules
    regels             VARCHAR,            -- the codes of the failing rules, comma-separated
    archief_pad        VARCHAR NOT NULL,
    genormaliseerd_pad VARCHAR,            -- typed parquet copy, accepted deliveries only
    gx_run_id          VARCHAR,
    data_docs_pad      VARCHAR,
    definities_versie  VARCHAR NOT NULL,
    verwerkt_op        TIMESTAMP NOT NULL,
    PRIMARY KEY (levering_id, sha256, definities_versie)
);

CREATE TABLE IF NOT EXISTS meta.regelresultaten (
    levering_id       VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    definities_versie VARCHAR NOT NULL,
    code              VARCHAR NOT NULL,
    ernst             VARCHAR NOT NULL,
    controle          VARCHAR,
    kolom             VARCHAR,
    aantal            BIGINT,
    rijen             INTEGER[],
    melding_nl        VARCHAR,
    melding_en        VARCHAR
);

CREATE TABLE IF NOT EXISTS meta.quarantaine (
    levering_id      VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    organisatie_code VARCHAR,
    bron             VARCHAR,
    peildatum        DATE,
    tijdstip         TIMESTAMP NOT NULL,
    regels           VARCHAR NOT NULL,
    archief_pad      VARCHAR NOT NULL,
    data_docs_pad    VARCHAR,
    PRIMARY KEY (levering_id, sha256)
);

-- Which version (sha256) of each delivery file was in the inbox, in order of arrival: a row
-- each time a name holds another version than the one last seen under it (a new file, a
-- correction, an earlier version put back). The delivery in force is the accepted version that
-- came into the inbox last (marts/meta/geaccepteerde_leveringen.sql), so an earlier version put
-- back is in force again. Written by `ketenmonitor run` (the whole inbox, at its start) and by
-- delivery intake (its own file). A file removed from the inbox adds no row: its last version
-- stays in force, and `ketenmonitor run` says so.
CREATE TABLE IF NOT EXISTS meta.inbox_versies (
    levering_id VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    volgnummer  BIGINT PRIMARY KEY,   -- order of arrival over the whole inbox (not the clock)
    sinds       TIMESTAMP NOT NULL    -- when a run or intake first saw this version under this name
);

-- What each staging table was last built from: a fingerprint of the deliveries in force, the
-- definitions version and the staging SQL. A run whose fingerprint matches leaves the table as
-- it is (an incremental run of one GI does not copy 2 million Veilig Thuis records again).
CREATE TABLE IF NOT EXISTS meta.staging_inhoud (
    bron        VARCHAR PRIMARY KEY,
    vingerafdruk VARCHAR NOT NULL,
    gebouwd_op  TIMESTAMP NOT NULL
);

-- What each model (modellen.*, marts.*) was last built from: a fingerprint of its SQL, its
-- parameters, the definitions and the fingerprints of what it reads (marts/incremental.py).
-- A model whose fingerprint matches is not rebuilt: the same inputs give the same table.
CREATE TABLE IF NOT EXISTS meta.model_inhoud (
    tabel        VARCHAR PRIMARY KEY,
    vingerafdruk VARCHAR NOT NULL,
    gebouwd_op   TIMESTAMP NOT NULL
);

-- The latest outcome of every mart check (marts/checks.py), written by the check itself: the
-- board overview lists the failing ones without asking the orchestrator.
CREATE TABLE IF NOT EXISTS meta.controles (
    tabel          VARCHAR NOT NULL,
    controle       VARCHAR NOT NULL,
    ernst          VARCHAR NOT NULL,   -- ERROR | WARN
    geslaagd       BOOLEAN NOT NULL,
    bevindingen    BIGINT NOT NULL,
    sinds          TIMESTAMP NOT NULL,   -- since when this outcome holds (a rerun with the same outcome keeps it)
    PRIMARY KEY (tabel, controle)
);
