-- modellen.normtermijnen: the three Inspectie norms of definitions/normen.yaml (code, the
-- anchor and target date columns, the counting month, the term and its unit), passed by the
-- runner as parameters: the marts read the terms from here, never from a literal.
CREATE OR REPLACE TABLE modellen.normtermijnen AS
SELECT
    unnest($codes::VARCHAR[]) AS norm,
    unnest($ankers::VARCHAR[]) AS anker,
    unnest($doelen::VARCHAR[]) AS doel,
    unnest($telmaanden::VARCHAR[]) AS telmaand,
    unnest($termijnen::BIGINT[]) AS termijn,
    unnest($eenheden::VARCHAR[]) AS eenheid;
