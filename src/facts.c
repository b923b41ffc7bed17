/*-------------------------------------------------------------------------
 * facts.c
 *	  Survey answers, checklist tasks, post comments and likes.
 *
 * Jimo documents that steps, answers, tasks and comments exist but not what
 * is in them.  The whole sub-object is kept as jsonb and typed columns are
 * filled from the keys such objects usually have; a different shape gives
 * NULL columns, never an error.  Sub-object ids are text for that reason.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/jsonb.h"

#include "extract.h"
#include "facts.h"

/* columns shared by every fact table come first, in this order */
#define FACT_COMMON_COLS(time_col) \
	{"event_id", INT8OID, JCOL_PLAIN, NULL}, \
	{"experience_uid", UUIDOID, JCOL_PLAIN, NULL}, \
	{"jimer_uid", UUIDOID, JCOL_PLAIN, NULL}, \
	{time_col, TIMESTAMPTZOID, JCOL_PLAIN, NULL}

static const JimoColumn survey_answer_cols[] = {
	FACT_COMMON_COLS("answered_at"),
	{"step_uid", TEXTOID, JCOL_PLAIN, NULL},
	{"step_title", TEXTOID, JCOL_PLAIN, NULL},
	{"step_type", TEXTOID, JCOL_PLAIN, NULL},
	{"step_position", INT4OID, JCOL_PLAIN, NULL},
	{"answer_text", TEXTOID, JCOL_PLAIN, NULL},
	{"answer_number", NUMERICOID, JCOL_PLAIN, NULL},
	/* a text[] per row cannot travel inside one unnest() argument: jsonb can */
	{"answer_choices", JSONBOID, JCOL_PLAIN,
	"CASE WHEN u.answer_choices IS NOT NULL THEN "
	"ARRAY(SELECT jsonb_array_elements_text(u.answer_choices)) END"},
	{"step", JSONBOID, JCOL_PLAIN, NULL},
	{"answer", JSONBOID, JCOL_PLAIN, NULL},
	{"jimer_key", UUIDOID, JCOL_PLAIN, NULL},
};

static const JimoColumn checklist_task_cols[] = {
	FACT_COMMON_COLS("occurred_at"),
	{"outcome", TEXTOID, JCOL_PLAIN, NULL},
	{"task_uid", TEXTOID, JCOL_PLAIN, NULL},
	{"task_title", TEXTOID, JCOL_PLAIN, NULL},
	{"task", JSONBOID, JCOL_PLAIN, NULL},
	{"jimer_key", UUIDOID, JCOL_PLAIN, NULL},
};

static const JimoColumn post_comment_cols[] = {
	FACT_COMMON_COLS("commented_at"),
	{"comment_uid", TEXTOID, JCOL_PLAIN, NULL},
	{"content", TEXTOID, JCOL_PLAIN, NULL},
	{"comment", JSONBOID, JCOL_PLAIN, NULL},
	{"jimer_key", UUIDOID, JCOL_PLAIN, NULL},
};

static const JimoColumn post_like_cols[] = {
	FACT_COMMON_COLS("liked_at"),
	{"jimer_key", UUIDOID, JCOL_PLAIN, NULL},
};

#define TABLE(name, cols) \
	{name, cols, lengthof(cols), JCONFLICT_NONE, NULL, NULL, NULL, 0, 0, NULL, 0}

JimoTable	jimo_fact_tables[JIMO_NFACTS] = {
	[JFACT_SURVEY_ANSWER] = TABLE("jimo.survey_answers", survey_answer_cols),
	[JFACT_CHECKLIST_TASK] = TABLE("jimo.checklist_tasks", checklist_task_cols),
	[JFACT_POST_COMMENT] = TABLE("jimo.post_comments", post_comment_cols),
	[JFACT_POST_LIKE] = TABLE("jimo.post_likes", post_like_cols),
};

StaticAssertDecl(lengthof(survey_answer_cols) <= JIMO_FACT_MAXCOLS,
				 "JIMO_FACT_MAXCOLS too small");

static const char *const uid_keys[] = {"uid", "id", NULL};
static const char *const step_title_keys[] = {"title", "name", "text", "question", "label", NULL};
static const char *const step_type_keys[] = {"type", "stepType", "kind", NULL};
static const char *const position_keys[] = {"position", "index", "order", "stepNumber", "rank", NULL};
static const char *const task_title_keys[] = {"title", "name", "text", "label", NULL};
static const char *const comment_text_keys[] = {"text", "content", "message", "body", "comment", NULL};
static const char *const choice_label_keys[] = {"label", "text", "value", "name", "title", "uid", NULL};

/* set column i from a lenient reader; NULL when it cannot read the value */
#define SET(ev, i, ok) ((ev)->fact_nulls[i] = !(ok))

/* an answer read as text, number and choices, whatever its shape */
typedef struct AnswerParts
{
	bool		has_text;
	bool		has_number;
	bool		has_choices;
	Datum		text;
	Datum		number;
	Datum		choices;		/* jsonb array of strings */
} AnswerParts;

static void
read_choices(JsonbContainer *arr, AnswerParts *parts)
{
	JsonbParseState *state = NULL;
	StringInfoData joined;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	JsonbValue *result;

	initStringInfo(&joined);
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	it = JsonbIteratorInit(arr);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		char	   *s;
		JsonbValue	str;

		if (tok != WJB_ELEM)
			continue;
		if (jimo_as_object(&elem))
			s = jimo_cstring(jimo_get_any(elem.val.binary.data, choice_label_keys));
		else
			s = jimo_cstring(&elem);
		if (s == NULL)
			continue;
		str.type = jbvString;
		str.val.string.val = s;
		str.val.string.len = strlen(s);
		pushJsonbValue(&state, WJB_ELEM, &str);
		appendStringInfo(&joined, "%s%s", joined.len ? ", " : "", s);
	}
	result = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	parts->choices = JsonbPGetDatum(JsonbValueToJsonb(result));
	parts->has_choices = true;
	if (!parts->has_text)
	{
		parts->text = CStringGetTextDatum(joined.data);
		parts->has_text = true;
	}
}

static void
read_answer(JsonbValue *a, AnswerParts *parts, int depth)
{
	static const char *const inner_keys[] = {
		"value", "values", "choices", "text", "answer", "label", NULL
	};
	const char *const *key;

	if (a == NULL)
		return;
	if (a->type == jbvNumeric || a->type == jbvString || a->type == jbvBool)
	{
		if (!parts->has_number)
			parts->has_number = jimo_numeric(a, &parts->number);
		if (!parts->has_text)
			parts->has_text = jimo_text(a, &parts->text);
		return;
	}
	if (jimo_as_array(a))
	{
		if (!parts->has_choices)
			read_choices(a->val.binary.data, parts);
		return;
	}
	/* an object: look inside once, at the keys an answer usually has */
	if (depth > 0 || !jimo_as_object(a))
		return;
	for (key = inner_keys; *key; key++)
		read_answer(jimo_get(a->val.binary.data, *key), parts, depth + 1);
}

static void
extract_survey_answer(JimoEvent *ev, JsonbContainer *root)
{
	JsonbValue *stepv = jimo_get(root, "step");
	JsonbContainer *step = jimo_as_object(stepv);
	JsonbValue *answer = jimo_get(root, "answer");
	AnswerParts parts = {0};
	Datum	   *val = ev->fact_values;

	if (answer == NULL)
		answer = jimo_get(step, "answer");

	SET(ev, 4, jimo_key_text(jimo_get_any(step, uid_keys), &val[4]));
	SET(ev, 5, jimo_text(jimo_get_any(step, step_title_keys), &val[5]));
	SET(ev, 6, jimo_text(jimo_get_any(step, step_type_keys), &val[6]));
	SET(ev, 7, jimo_int4(jimo_get_any(step, position_keys), &val[7]));

	read_answer(answer, &parts, 0);
	val[8] = parts.text;
	SET(ev, 8, parts.has_text);
	val[9] = parts.number;
	SET(ev, 9, parts.has_number);
	val[10] = parts.choices;
	SET(ev, 10, parts.has_choices);

	if (stepv)
		val[11] = jimo_jsonb_datum(stepv);
	SET(ev, 11, stepv != NULL);
	if (answer)
		val[12] = jimo_jsonb_datum(answer);
	SET(ev, 12, answer != NULL);
}

static void
extract_checklist_task(JimoEvent *ev, JsonbContainer *root)
{
	JsonbValue *taskv = jimo_get(root, "task");
	JsonbContainer *task = jimo_as_object(taskv);
	Datum	   *val = ev->fact_values;

	val[4] = CStringGetTextDatum(strrchr(ev->name, '.') + 1);
	SET(ev, 4, true);
	SET(ev, 5, jimo_key_text(jimo_get_any(task, uid_keys), &val[5]));
	SET(ev, 6, jimo_text(jimo_get_any(task, task_title_keys), &val[6]));
	if (taskv)
		val[7] = jimo_jsonb_datum(taskv);
	SET(ev, 7, taskv != NULL);
}

static void
extract_post_comment(JimoEvent *ev, JsonbContainer *root)
{
	JsonbValue *commentv = jimo_get(root, "comment");
	JsonbContainer *comment = jimo_as_object(commentv);
	Datum	   *val = ev->fact_values;

	SET(ev, 4, jimo_key_text(jimo_get_any(comment, uid_keys), &val[4]));
	/* a comment may also come as a bare string */
	if (comment)
		SET(ev, 5, jimo_text(jimo_get_any(comment, comment_text_keys), &val[5]));
	else
		SET(ev, 5, commentv != NULL && commentv->type == jbvString &&
			jimo_text(commentv, &val[5]));
	if (commentv)
		val[6] = jimo_jsonb_datum(commentv);
	SET(ev, 6, commentv != NULL);
}

void
jimo_fact_extract(JimoEvent *ev)
{
	JsonbContainer *root = &ev->payload->root;

	if (ev->fact == JFACT_NONE)
		return;

	/* event_id (column 0) is known only once the event is stored */
	ev->fact_nulls[0] = false;
	ev->fact_values[1] = UUIDPGetDatum(&ev->uid[JENT_EXPERIENCE]);
	ev->fact_nulls[1] = !ev->has[JENT_EXPERIENCE];
	ev->fact_values[2] = UUIDPGetDatum(&ev->uid[JENT_JIMER]);
	ev->fact_nulls[2] = !ev->has[JENT_JIMER];
	ev->fact_values[3] = TimestampTzGetDatum(ev->occurred_at);
	ev->fact_nulls[3] = false;
	/* jimer_key is the last column of every fact table */
	ev->fact_values[jimo_fact_tables[ev->fact].ncols - 1] =
		UUIDPGetDatum(jimo_jimer_key(ev));
	ev->fact_nulls[jimo_fact_tables[ev->fact].ncols - 1] = false;

	switch (ev->fact)
	{
		case JFACT_SURVEY_ANSWER:
			extract_survey_answer(ev, root);
			break;
		case JFACT_CHECKLIST_TASK:
			extract_checklist_task(ev, root);
			break;
		case JFACT_POST_COMMENT:
			extract_post_comment(ev, root);
			break;
		default:
			break;
	}
}
