DELETE FROM meta.model_inhoud WHERE tabel = $tabel;
