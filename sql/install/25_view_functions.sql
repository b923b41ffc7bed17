-------------------------------------------------------------------------------
-- Helpers the views share.
-------------------------------------------------------------------------------

-- The tag names of an experience's latest snapshot, as a text array. In C
-- (src/tags.c, 0.7): as SQL with an aggregate it could not be inlined, and
-- journey_conversions calls it on every row.
CREATE FUNCTION jimo.tag_names(tags jsonb) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'jimo_tag_names';
COMMENT ON FUNCTION jimo.tag_names(jsonb) IS
'Names of the tags in an experience''s tags array ([{uid, name}, ...]), in order; NULL when there are none';
