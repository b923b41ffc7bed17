-- jimo.tag_names() in C (src/tags.c): the same names in the same order for
-- every input, without a SQL function call per row (journey_conversions
-- calls it on each of its rows).  CREATE OR REPLACE keeps the function's oid,
-- so the views that call it stay as they are.
CREATE OR REPLACE FUNCTION jimo.tag_names(tags jsonb) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'jimo_tag_names';
