-- Every fingerprint recorded in meta.model_inhoud, also those of one bron's rows of a model
-- with `partitie: bron` (tabel `<schema>.<model>#<bron>`).
SELECT tabel, vingerafdruk FROM meta.model_inhoud;
