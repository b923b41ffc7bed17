-------------------------------------------------------------------------------
-- The views call jimo.first_completion_after_start(), jimo.answer_float8(),
-- jimo.funnel_window_end() and
-- jimo.completion_at_or_after(); a function called from a view
-- is checked against the role that reads the view, and 90_privileges.sql has
-- just revoked every function of the schema from PUBLIC.
-------------------------------------------------------------------------------

GRANT EXECUTE ON FUNCTION jimo.completion_at_or_after(uuid, uuid, timestamptz) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.first_completion_after_start(uuid, uuid, timestamptz, timestamptz, timestamptz, integer) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.tag_names(jsonb) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.json_text(jsonb) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.answer_float8(numeric) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.funnel_window_end(timestamptz, interval) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.step_answers(uuid, text, timestamptz, timestamptz) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.answer_periods(text, timestamptz, timestamptz) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.answer_periods(text, uuid, text, timestamptz, timestamptz) TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.partition_stats(regclass) TO jimo_reader; -- jimo.partitions

-- Readers may run the ordered funnels (40_window_funnel.sql); writers only ingest.
GRANT EXECUTE ON FUNCTION jimo.window_funnel(interval, timestamptz, boolean[]),
    jimo.window_funnel(interval, text, timestamptz, boolean[]),
    jimo.event_funnel(interval, text[]),
    jimo.experience_event_funnel(uuid, interval, text[])
    TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.delivery_lag_at(date, bigint) TO jimo_reader;

-- tour_funnel_daily, funnel_cohorts and time_to_complete read their cohorts through these
-- (0.13, 34_views_cohorts.sql); the writer, which keeps the marks at ingest,
-- may also refresh the cache.
GRANT EXECUTE ON FUNCTION jimo.cohorts_from_journeys(uuid, text, date, date),
    jimo.funnel_cohort_cache_usable(),
    jimo.cohort_days(text, date, date),
    jimo.date_ranges(datemultirange),
    jimo.stale_cohort_ranges(uuid, text),
    jimo.funnel_cohort_rows(uuid, text),
    jimo.time_to_complete_counts()
    TO jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.refresh_funnel_cohorts() TO jimo_writer;
