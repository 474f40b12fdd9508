-- The mart checks whose latest outcome failed (meta.controles): run again by the next run even
-- when their mart was not rebuilt, so a failing blocking check keeps stopping the exports.
SELECT tabel, controle FROM meta.controles WHERE NOT geslaagd;
