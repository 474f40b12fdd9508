-- Record what the inbox holds now ($levering_ids[i] has version $sha256s[i]): one row for every
-- name whose version differs from the one last seen under it, numbered on in the given order.
-- The same inbox again adds nothing.
INSERT INTO meta.inbox_versies
WITH nu AS (
    SELECT unnest($levering_ids::VARCHAR[]) AS levering_id,
           unnest($sha256s::VARCHAR[]) AS sha256,
           unnest(range(len($levering_ids::VARCHAR[]))) AS i
),
laatst AS (
    SELECT levering_id, arg_max(sha256, volgnummer) AS sha256
    FROM meta.inbox_versies
    GROUP BY levering_id
),
nieuw AS (
    SELECT nu.levering_id, nu.sha256, nu.i
    FROM nu
    LEFT JOIN laatst USING (levering_id)
    WHERE laatst.sha256 IS DISTINCT FROM nu.sha256
)
SELECT levering_id,
       sha256,
       (SELECT coalesce(max(volgnummer), 0) FROM meta.inbox_versies) + row_number() OVER (ORDER BY i),
       $sinds
FROM nieuw;
