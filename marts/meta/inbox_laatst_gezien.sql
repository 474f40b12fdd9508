-- The version (sha256) of every delivery file last seen in the inbox under its name. A name
-- registered before meta.inbox_versies was kept falls back to its last processed version.
SELECT levering_id, arg_max(sha256, volgnummer)
FROM meta.inbox_versies
GROUP BY levering_id
UNION ALL
SELECT levering_id, arg_max(sha256, verwerkt_op)
FROM meta.leveringen
WHERE levering_id NOT IN (SELECT levering_id FROM meta.inbox_versies)
GROUP BY levering_id;
