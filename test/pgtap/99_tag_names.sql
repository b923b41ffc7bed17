-- jimo.tag_names() is C since 0.7 (src/tags.c) and must give exactly what its
-- SQL definition gave, for every input: NULL unless an array; each element
-- that is an object with a non-null "name", in order, as ->> gives it; NULL
-- when none.  Except numbers of magnitude 1e40 and over or under 1e-40, which
-- are in exponent form since 0.15 (99_number_expansion checks those).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(4);

CREATE FUNCTION pg_temp.sql_tag_names(tags jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(t.tag ->> 'name' ORDER BY t.ord)
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(tags) = 'array' THEN tags END)
         WITH ORDINALITY AS t(tag, ord)
    WHERE t.tag ->> 'name' IS NOT NULL
$$;

CREATE TEMP TABLE cases (k serial, tags jsonb);
INSERT INTO cases (tags) VALUES
    (NULL), ('null'), ('[]'), ('{}'), ('"x"'), ('5'), ('true'), ('[null]'),
    ('[1, "a", null, [1], {"name": null}, {}]'),
    ('[{"uid": "u1", "name": "EMEA"}, {"name": "beta"}, {"uid": "u3"}, {"name": 5}, {"name": 1.50},
      {"name": -0.0}, {"name": 1e39}, {"name": -9.99e-40}, {"name": true}, {"name": false}, {"name": {"a": [1, {"b": null}]}},
      {"name": [1, 2]}, {"name": ""}, {"name": "r\u00e9tention"}, {"name": "EMEA"}, {"name": "\ud83d\ude00"}]'),
    ('{"name": "not an array"}'), ('[{"Name": "case"}, {"name ": "space"}]'),
    ('[{"name": "a\"b\\c\n"}]'), ('[[{"name": "nested"}]]');
-- and every tag array of a generated set of experiences
INSERT INTO cases (tags)
SELECT jsonb_agg(jsonb_build_object('uid', g.i::text, 'name', CASE WHEN g.i % 7 = 0 THEN NULL ELSE 'tag ' || g.i END)
                 ORDER BY g.i DESC)
FROM generate_series(1, 200) n, generate_series(1, n.n % 9) g(i)
GROUP BY n.n;

SELECT is((SELECT count(*)::int FROM cases
            WHERE jimo.tag_names(tags) IS DISTINCT FROM pg_temp.sql_tag_names(tags)), 0,
          'the C function gives what the SQL definition gave, for every case');
SELECT is(jimo.tag_names('[{"uid": "1", "name": "EMEA"}, {"name": 5}, {"name": null}, {"name": {"x": 1}}, "y"]'),
          ARRAY['EMEA', '5', '{"x": 1}'], 'names in order, non-strings as their JSON text, nulls and non-objects left out');
SELECT is(jimo.tag_names('[{"uid": "1"}]'), NULL, 'no names: NULL, not an empty array');
SELECT is((SELECT provolatile::text || proisstrict::text || proparallel::text FROM pg_proc WHERE oid = 'jimo.tag_names(jsonb)'::regprocedure),
          'itrues'::text, 'immutable, strict, parallel safe');

SELECT * FROM finish();
