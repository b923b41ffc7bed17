
-- jimo.receive(NULL) is an empty body, rejected and kept in jimo.rejected as
-- receive_batch() keeps a NULL element; it returned a row of NULLs (STRICT).
ALTER FUNCTION jimo.receive(text) CALLED ON NULL INPUT;
COMMENT ON FUNCTION jimo.receive(text) IS 'Store one webhook body: stored, duplicate or rejected (kept in jimo.rejected; NULL is an empty body). Never raises for bad input.';
