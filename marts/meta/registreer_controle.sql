-- The latest outcome of one mart check; an unchanged outcome keeps its row (and its `sinds`), so
-- a rerun on the same data leaves the registry as it was.
INSERT INTO meta.controles (tabel, controle, ernst, geslaagd, bevindingen, sinds)
VALUES ($tabel, $controle, $ernst, $geslaagd, $bevindingen, $sinds)
ON CONFLICT (tabel, controle) DO UPDATE
SET ernst = excluded.ernst, geslaagd = excluded.geslaagd, bevindingen = excluded.bevindingen, sinds = excluded.sinds
WHERE meta.controles.ernst <> excluded.ernst
   OR meta.controles.geslaagd <> excluded.geslaagd
   OR meta.controles.bevindingen <> excluded.bevindingen;
