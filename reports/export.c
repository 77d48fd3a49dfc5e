#include "reports/export.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A spreadsheet runs a cell that starts with = + - @ (or a tab or CR
 * before one) as a formula: a serial or a note typed as =HYPERLINK(...)
 * would run on the reader's machine. Such text gets a leading apostrophe,
 * inside quotes, as OWASP's "CSV injection" advice has it: shown as text,
 * the apostrophe itself hidden by the spreadsheet. Only text goes through
 * here; numbers (a negative error) are written as numbers elsewhere. */
static bool formula_like(const char *text)
{
	return text[0] && strchr("=+-@\t\r", text[0]) != NULL;
}

void report_csv_field(FILE *out, const char *text)
{
	text = text ? text : "";
	size_t len = strlen(text);
	bool neutralise = formula_like(text);
	bool quote = neutralise || strpbrk(text, ",\"\r\n") != NULL ||
		     (len && (text[0] == ' ' || text[len - 1] == ' '));
	if (!quote) {
		fputs(text, out);
		return;
	}
	fputc('"', out);
	if (neutralise)
		fputc('\'', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

void report_csv_number(FILE *out, const char *fmt, double v)
{
	fputc(',', out);
	if (isfinite(v))
		fprintf(out, fmt, v);
}

static const char *const columns[] = {
	"run_id", "started_at", "ended_at", "station", "serial", "model", "position",
	"profile", "run_state", "verdict", "operator", "notes", "reason",
};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

/* The row's fields in column order; position as text in pos_buf. */
static void row_fields(const struct store_result_row *r, const char *fields[N_COLUMNS],
		       char pos_buf[16])
{
	snprintf(pos_buf, 16, "%d", r->position);
	const char *v[N_COLUMNS] = {
		r->run_id, r->started_at, r->ended_at, r->station, r->serial, r->model, pos_buf,
		r->profile, r->state, r->verdict, r->operator_name, r->notes, r->reason,
	};
	memcpy(fields, v, sizeof(v));
}

static int csv_row(const struct store_result_row *r, void *ctx)
{
	FILE *out = ctx;
	const char *fields[N_COLUMNS];
	char pos[16];
	row_fields(r, fields, pos);
	for (size_t i = 0; i < N_COLUMNS; i++) {
		if (i)
			fputc(',', out);
		report_csv_field(out, fields[i]);
	}
	fputs("\r\n", out);
	return ferror(out) ? -2 : 0;
}

/* The newest `newest` rows of a query that lists oldest first: a count,
 * then the rows past the ones skipped. */
struct newest_rows {
	int skip, seen;
	store_result_fn fn;
	void *ctx;
};

static int count_rows(const struct store_result_row *r, void *ctx)
{
	(void)r;
	((struct newest_rows *)ctx)->skip++;
	return 0;
}

static int pass_newest(const struct store_result_row *r, void *ctx)
{
	struct newest_rows *n = ctx;
	if (n->seen++ < n->skip)
		return 0;
	return n->fn(r, n->ctx);
}

static int query_newest(struct store *s, const struct store_filter *f, int newest,
			store_result_fn fn, void *ctx, struct rig_error *err)
{
	if (newest <= 0)
		return store_query_results(s, f, fn, ctx, err);
	struct newest_rows n = {.fn = fn, .ctx = ctx};
	if (store_query_results(s, f, count_rows, &n, err) < 0)
		return -1;
	n.skip = n.skip > newest ? n.skip - newest : 0;
	return store_query_results(s, f, pass_newest, &n, err);
}

int report_export_csv(FILE *out, struct store *s, const struct store_filter *f, int newest,
		      struct rig_error *err)
{
	for (size_t i = 0; i < N_COLUMNS; i++)
		fprintf(out, "%s%s", i ? "," : "", columns[i]);
	fputs("\r\n", out);
	int rc = query_newest(s, f, newest, csv_row, out, err);
	if (rc == -2 || ferror(out))
		return rig_error_set(err, NULL, 0, "writing CSV failed");
	return rc < 0 ? -1 : 0;
}

static int json_row(const struct store_result_row *r, void *ctx)
{
	cJSON *array = ctx;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return -2;
	const char *fields[N_COLUMNS];
	char pos[16];
	row_fields(r, fields, pos);
	for (size_t i = 0; i < N_COLUMNS; i++) {
		bool ok = strcmp(columns[i], "position") == 0
				  ? cJSON_AddNumberToObject(o, columns[i], r->position) != NULL
				  : cJSON_AddStringToObject(o, columns[i], fields[i]) != NULL;
		if (!ok) {
			cJSON_Delete(o);
			return -2;
		}
	}
	cJSON_AddItemToArray(array, o);
	return 0;
}

int report_export_json(FILE *out, struct store *s, const struct store_filter *f, int newest,
		       struct rig_error *err)
{
	cJSON *array = cJSON_CreateArray();
	if (!array)
		return rig_error_set(err, NULL, 0, "out of memory");
	int rc = query_newest(s, f, newest, json_row, array, err);
	if (rc == -2)
		rig_error_set(err, NULL, 0, "out of memory");
	char *text = rc == 0 ? cJSON_Print(array) : NULL;
	cJSON_Delete(array);
	if (rc == 0 && !text)
		return rig_error_set(err, NULL, 0, "out of memory");
	if (text) {
		fputs(text, out);
		fputc('\n', out);
		free(text);
	}
	if (rc == 0 && ferror(out))
		return rig_error_set(err, NULL, 0, "writing JSON failed");
	return rc == 0 ? 0 : -1;
}
