-- Retention (`ketenmonitor opschonen`, marts/opschonen.py): what a purge removed. The region
-- history it froze is in marts/historie/basis_schema.sql.

-- Every file version whose files a purge removed. Its row in meta.leveringen, its rule results
-- and its quarantine row stay: the sha256 and the verdict outlive the file.
CREATE TABLE IF NOT EXISTS meta.opgeschoond (
    levering_id           VARCHAR NOT NULL,
    sha256                VARCHAR NOT NULL,
    organisatie_code      VARCHAR,
    bron                  VARCHAR,
    peildatum             DATE,
    bewaartermijn_maanden INTEGER NOT NULL,
    grens                 DATE NOT NULL,     -- peildatums before this date were past the term
    bestanden             VARCHAR[] NOT NULL, -- the files removed, relative to the data dir
    opgeschoond_op        TIMESTAMP NOT NULL,
    PRIMARY KEY (levering_id, sha256)
);
