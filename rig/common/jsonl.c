#include "rig/common/jsonl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void rig_linebuf_init(struct rig_linebuf *lb, size_t max_line)
{
	memset(lb, 0, sizeof(*lb));
	lb->max_line = max_line;
}

void rig_linebuf_free(struct rig_linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}

static int reserve(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 1024;
	while (ncap < need)
		ncap *= 2;
	char *nb = realloc(*buf, ncap);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = ncap;
	return 0;
}

int rig_linebuf_feed(struct rig_linebuf *lb, const void *data, size_t n)
{
	/* Drop what was already handed out before growing. */
	if (lb->start > 0) {
		memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->start = 0;
	}
	if (reserve(&lb->buf, &lb->cap, lb->len + n + 1) < 0)
		return -1;
	memcpy(lb->buf + lb->len, data, n);
	lb->len += n;
	/* Every complete line must fit, and so must the pending partial one. */
	size_t line_start = 0;
	for (size_t i = 0; i < lb->len; i++) {
		if (lb->buf[i] == '\n') {
			if (i - line_start > lb->max_line)
				return -1;
			line_start = i + 1;
		}
	}
	if (lb->len - line_start > lb->max_line)
		return -1;
	return 0;
}

int rig_linebuf_next(struct rig_linebuf *lb, char **ret_line)
{
	if (!lb->buf)
		return 0;
	char *begin = lb->buf + lb->start;
	char *nl = lb->len > lb->start ? memchr(begin, '\n', lb->len - lb->start) : NULL;
	if (!nl)
		return 0;
	*nl = '\0';
	if (nl > begin && nl[-1] == '\r')
		nl[-1] = '\0';
	lb->start = (size_t)(nl - lb->buf) + 1;
	*ret_line = begin;
	return 1;
}

void rig_outbuf_init(struct rig_outbuf *ob, size_t max)
{
	memset(ob, 0, sizeof(*ob));
	ob->max = max;
}

void rig_outbuf_free(struct rig_outbuf *ob)
{
	free(ob->buf);
	memset(ob, 0, sizeof(*ob));
}

int rig_outbuf_append(struct rig_outbuf *ob, const void *data, size_t n)
{
	if (ob->len + n > ob->max)
		return -1;
	if (reserve(&ob->buf, &ob->cap, ob->len + n) < 0)
		return -1;
	memcpy(ob->buf + ob->len, data, n);
	ob->len += n;
	return 0;
}

int rig_outbuf_flush(struct rig_outbuf *ob, int fd)
{
	if (ob->len == 0)
		return 0;	/* nothing queued (and maybe no buffer yet) */
	size_t done = 0;
	while (done < ob->len) {
		/* send() with MSG_NOSIGNAL: a vanished peer is an error, not SIGPIPE. */
		ssize_t w = send(fd, ob->buf + done, ob->len - done, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, ob->buf + done, ob->len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		done += (size_t)w;
	}
	memmove(ob->buf, ob->buf + done, ob->len - done);
	ob->len -= done;
	return 0;
}

char *rig_json_line(const cJSON *obj)
{
	char *text = cJSON_PrintUnformatted(obj);
	if (!text)
		return NULL;
	size_t n = strlen(text);
	char *line = realloc(text, n + 2);
	if (!line) {
		cJSON_free(text);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

const char *rig_json_str(const cJSON *obj, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

double rig_json_num(const cJSON *obj, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

bool rig_json_bool(const cJSON *obj, const char *key, bool dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

cJSON *rig_json_add_number(cJSON *obj, const char *key, double v)
{
	if (!isfinite(v))
		return cJSON_AddNullToObject(obj, key);
	return cJSON_AddNumberToObject(obj, key, v);
}

int rig_json_int(const cJSON *obj, const char *key, int lo, int hi, int dflt)
{
	double v = rig_json_num(obj, key, NAN);
	if (!(v >= lo && v <= hi) || v != floor(v))
		return dflt;
	return (int)v;
}
