
-- jimo.ensure_partitions() and jimo.expire() pass partition bounds through
-- text; under a DateStyle that writes zone abbreviations (SQL, Postgres,
-- German) some abbreviations read back as another zone (Asia/Shanghai's CST
-- as US Central), so a month was attached, or its end recorded as the
-- retention horizon, hours off.  Both now run with fixed settings.
ALTER FUNCTION jimo.ensure_partitions(timestamptz[]) SET DateStyle = 'ISO, YMD';
ALTER FUNCTION jimo.ensure_partitions(timestamptz[]) SET TimeZone = 'UTC';
ALTER FUNCTION jimo.expire(interval) SET DateStyle = 'ISO, YMD';
ALTER FUNCTION jimo.expire(interval) SET TimeZone = 'UTC';
