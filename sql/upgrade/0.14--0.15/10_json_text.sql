-- Tag uids and names of experience_tags through jimo.json_text(): ->> wrote
-- every digit of a number such as 1e131071 (131 072 characters from 9 bytes
-- of a body) on every read.  The view keeps its columns, types and comments.
-- What ->> gives for a value taken with ->, but with numbers beyond 1e40
-- or below 1e-40 in exponent form (src/tags.c): ->> writes every digit, so
-- the 9 bytes of 1e131071 in a tag name made 131 072 characters on every
-- read (0.15).
CREATE FUNCTION jimo.json_text(value jsonb) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'jimo_json_text';
COMMENT ON FUNCTION jimo.json_text(jsonb) IS
'The text of a JSON value as ->> gives it (NULL for JSON null), with numbers of magnitude 1e40 and over or under 1e-40 in exponent form (at most 16 significant digits) instead of every digit';

CREATE OR REPLACE VIEW jimo.experience_tags AS
SELECT e.uid AS experience_uid,
       jimo.json_text(t.tag -> 'uid') AS tag_uid,
       jimo.json_text(t.tag -> 'name') AS name
FROM jimo.experiences e
CROSS JOIN LATERAL jsonb_array_elements(e.tags) AS t(tag)
WHERE jsonb_typeof(e.tags) = 'array';
COMMENT ON VIEW jimo.experience_tags IS 'Tags of each experience as of its latest snapshot';
COMMENT ON COLUMN jimo.experience_tags.experience_uid IS 'The experience';
COMMENT ON COLUMN jimo.experience_tags.tag_uid IS 'Tag uid as sent';
COMMENT ON COLUMN jimo.experience_tags.name IS 'Tag name';
REVOKE ALL ON FUNCTION jimo.json_text(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.json_text(jsonb) TO jimo_reader;
