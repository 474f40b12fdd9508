INSERT OR REPLACE INTO meta.staging_inhoud VALUES ($bron, $vingerafdruk, $gebouwd_op);
