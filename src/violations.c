#include "violations.h"

#include "canonjson.h"
#include "config.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct violations {
	int fd; /* -1 without --violations */
	char *command;
	const struct srt_config *rules; /* not owned: main keeps it alive */
};

struct violations *violations_open(const char *path, const char *command, char **ret_err)
{
	struct violations *v;
	int fd = -1;

	if (path) {
		/* O_NOFOLLOW: a symlink an earlier sandbox planted must not make
		 * srt append to some other file. */
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
		if (fd < 0) {
			*ret_err = xasprintf("--violations %s: %s", path, strerror(errno));
			return NULL;
		}
	}
	v = xcalloc(1, sizeof(*v));
	v->fd = fd;
	v->command = xstrdup(command ? command : "");
	return v;
}

void violations_set_rules(struct violations *v, const struct srt_config *cfg) { v->rules = cfg; }

char *violations_line(const struct proxy_event *ev)
{
	return xasprintf("deny network-outbound %s:%d (%s)", ev->host, ev->port, ev->reason);
}

/* Key "*" applies to every command, any other key to commands containing
 * it; a pattern drops the violation when the line contains it. */
bool violations_ignored(const struct srt_config *cfg, const char *command, const char *line)
{
	for (size_t i = 0; cfg && i < cfg->n_ignore_violations; i++) {
		const struct ignore_rule *rule = &cfg->ignore_violations[i];
		if (strcmp(rule->command, "*") != 0 && !strstr(command, rule->command))
			continue;
		for (size_t j = 0; j < rule->patterns.n; j++)
			if (strstr(line, rule->patterns.v[j]))
				return true;
	}
	return false;
}

static char *format_time(const struct timeval *tv)
{
	struct tm tm;
	char buf[32];
	gmtime_r(&tv->tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%03ldZ", buf, (long)(tv->tv_usec / 1000));
}

static void write_json_line(struct violations *v, const struct proxy_event *ev, const char *line)
{
	struct cj *o = cj_object();
	_cleanup_free_ char *ts = format_time(&ev->when);
	_cleanup_free_ char *json = NULL;
	size_t len;

	cj_object_set(o, "time", cj_string(ts));
	cj_object_set(o, "host", cj_string(ev->host));
	cj_object_set(o, "port", cj_int(ev->port));
	cj_object_set(o, "protocol", cj_string(ev->protocol));
	cj_object_set(o, "reason", cj_string(ev->reason));
	cj_object_set(o, "rule", ev->rule ? cj_string(ev->rule) : cj_null());
	cj_object_set(o, "line", cj_string(line));
	cj_object_set(o, "command", cj_string(v->command));
	if (cj_serialize(o, &json, &len, NULL) == 0) {
		json[len] = '\n'; /* replaces the NUL: one write, one line */
		if (write(v->fd, json, len + 1) < 0)
			log_debug("--violations: %s", strerror(errno));
	}
	cj_free(o);
}

void violations_record(struct violations *v, const struct proxy_event *ev)
{
	_cleanup_free_ char *line = NULL;

	if (ev->allowed) {
		log_debug("allow %s %s:%d (%s)", ev->protocol, ev->host, ev->port,
			  ev->rule ? ev->rule : "allowed");
		return;
	}
	line = violations_line(ev);
	if (violations_ignored(v->rules, v->command, line))
		return;
	if (log_debug_enabled()) {
		_cleanup_free_ char *ts = format_time(&ev->when);
		log_debug("%s [protocol %s, rule %s, at %s]", line, ev->protocol, ev->rule ? ev->rule : "-", ts);
	}
	if (v->fd >= 0)
		write_json_line(v, ev, line);
}

void violations_close(struct violations *v)
{
	if (!v)
		return;
	close_keep_errno(v->fd);
	free(v->command);
	free(v);
}
