-- The board's validation list: the latest processed version of every delivery file under
-- the current definitions, with its verdict and its Great Expectations Data Docs page.
SELECT levering_id, organisatie_code, bron, peildatum, status, fouten, waarschuwingen, coalesce(regels, '') AS regels,
       data_docs_pad, verwerkt_op
FROM meta.leveringen
WHERE definities_versie = $definities_versie
QUALIFY row_number() OVER (PARTITION BY levering_id ORDER BY verwerkt_op DESC) = 1
ORDER BY status DESC, organisatie_code, bron, peildatum;
