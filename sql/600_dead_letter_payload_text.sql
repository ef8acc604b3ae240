-- A dead letter must store whatever a gantry sent: a failed insert here fails the whole group, and
-- the good reads with it. jsonb refuses some valid JSON: the escape \u0000, lone UTF-16 surrogates
-- (\ud800), and nesting deeper than its parser's stack allows. Such a read is kept as its JSON text
-- (JSON.stringify: NUL and lone surrogates stay \u escapes, so the text is exact and storable) in
-- payload_text, with payload null; every other read stays in payload (jsonb) as before.
alter table dead_letters add column payload_text text;
