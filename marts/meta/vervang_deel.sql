-- A model with `partitie: bron`: the rebuilt rows of the bronnen in $bronnen (temporary table
-- _deel, made by the model's own SQL) replace that model's rows of those bronnen.
DELETE FROM {tabel} WHERE list_contains($bronnen, bron);
INSERT INTO {tabel} SELECT * FROM _deel;
DROP TABLE _deel;
