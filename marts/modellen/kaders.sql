-- modellen.kaders: maatregel_type -> kader (JB or JR), from the code list maatregel_type in
-- definitions/codelijsten.yaml. The runner passes the two lists as parameters.
CREATE OR REPLACE TABLE modellen.kaders AS
SELECT
    unnest($maatregel_types::VARCHAR[]) AS maatregel_type,
    unnest($kaders::VARCHAR[]) AS kader;
