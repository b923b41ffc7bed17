-------------------------------------------------------------------------------
-- Helpers the views share.
-------------------------------------------------------------------------------

-- The tag names of an experience's latest snapshot, as a text array.
CREATE FUNCTION jimo.tag_names(tags jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT array_agg(t.tag ->> 'name' ORDER BY t.ord)
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(tags) = 'array' THEN tags END)
         WITH ORDINALITY AS t(tag, ord)
    WHERE t.tag ->> 'name' IS NOT NULL
$$;
COMMENT ON FUNCTION jimo.tag_names(jsonb) IS
'Names of the tags in an experience''s tags array ([{uid, name}, ...]), in order; NULL when there are none';
