-- Every file the registry names for a file version (archive and typed copy): a purge never
-- removes a file that a version it keeps names too.
SELECT levering_id, sha256, archief_pad AS pad FROM meta.leveringen
UNION
SELECT levering_id, sha256, genormaliseerd_pad FROM meta.leveringen WHERE genormaliseerd_pad IS NOT NULL;
