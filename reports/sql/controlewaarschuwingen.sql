-- Every mart check whose latest outcome failed, for the board's warnings (fouten first).
SELECT tabel, controle, ernst
FROM meta.controles
WHERE NOT geslaagd
ORDER BY ernst = 'WARN', tabel, controle;
