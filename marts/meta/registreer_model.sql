INSERT OR REPLACE INTO meta.model_inhoud VALUES ($tabel, $vingerafdruk, $gebouwd_op);
