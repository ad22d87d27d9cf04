/* Unit tests of the settings model: config_parse_string() into the
 * structs, defaults, config_to_json() round trips, config_load() error
 * texts, config_check_enforceable(). */
#include "../src/config.h"

#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NET_FS_MIN                                                                                  \
	"\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"                                 \
	"\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]}"

static char tmpdir[] = "/tmp/test-config.XXXXXX";

static char *write_tmp(const char *name, const char *content, size_t len)
{
	char *p = NULL;
	int fd;

	if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
		abort();
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len)
		abort();
	close(fd);
	return p;
}

/* Parse; expect failure with exactly want (or a prefix of it when prefix). */
static void parse_fails(const char *text, const char *want, bool prefix, const char *name)
{
	struct srt_config *cfg = NULL;
	char *err = NULL;
	int r = config_parse_string(text, &cfg, &err);

	ok(r == -1 && cfg == NULL, "%s: rejected", name);
	if (prefix)
		ok(err && strncmp(err, want, strlen(want)) == 0, "%s: message starts '%s' (got '%s')", name, want,
		   err ? err : "(null)");
	else
		is_str(err, want, "%s: message", name);
	free(err);
	config_free(cfg);
}

static void test_defaults(void)
{
	struct srt_config *d = config_new_defaults();

	is_str(d->ripgrep_command, "rg", "default ripgrep command");
	is_int(d->mandatory_deny_search_depth, 3, "default search depth");
	is_int(d->network.allowed_domains.n, 0, "default: no allowed domains");
	is_int(d->network.http_proxy_port, 0, "default: own HTTP proxy");
	is_int(d->filesystem.allow_write.n, 0, "default: no extra write paths");
	ok(!d->filesystem.disabled && !d->has_credentials && !d->bwrap_path && !d->receipts_dir,
	   "default: nothing else set");
	config_free(d);
	config_free(NULL); /* NULL-safe */
	ok(true, "config_free(NULL) is a no-op");
}

static const char full[] =
	"{\"network\":{\"allowedDomains\":[\"example.com\",\"*.npmjs.org:443\",\"[::1]:8080\"],"
	"\"deniedDomains\":[\"*:22\"],\"deniedDomainReasons\":{\"*:22\":\"no ssh\"},"
	"\"strictAllowlist\":true,\"deniedResolvedAddresses\":[\"10.0.0.0/8\"],"
	"\"allowAllUnixSockets\":true,\"httpProxyPort\":3128,\"socksProxyPort\":1080,"
	"\"mitmProxy\":{\"socketPath\":\"/m.sock\",\"domains\":[\"api.example.com\"]},"
	"\"parentProxy\":{\"http\":\"http://p:3128\",\"noProxy\":\"localhost\"},"
	"\"stripResponseHeaders\":[\"set-cookie\"],\"ambiguousRequestTarget\":\"asSpelled\","
	"\"bogus\":1},"
	"\"filesystem\":{\"denyRead\":[\"~/.ssh\",{\"path\":\"/a[1]\",\"literal\":true}],"
	"\"allowRead\":[\"~/.ssh/config\"],\"allowWrite\":[\".\"],\"denyWrite\":[\"./x\"],"
	"\"allowGitConfig\":true},"
	"\"ignoreViolations\":{\"*\":[\"/usr\"],\"2\":[],\"1\":[\"a\",\"b\"]},"
	"\"enableWeakerNestedSandbox\":true,\"allowNestedUserNamespaces\":true,"
	"\"ripgrep\":{\"command\":\"/usr/bin/rg\",\"args\":[\"-u\"],\"argv0\":\"rg\"},"
	"\"mandatoryDenySearchDepth\":7,\"seccomp\":{\"applyPath\":\"/x/apply\",\"argv0\":\"a\"},"
	"\"bwrapPath\":\"/usr/bin/bwrap\",\"socatPath\":\"/usr/bin/socat\","
	"\"git\":{\"safeDirectories\":[\"/w\"]},\"receipts\":{\"dir\":\"/r\",\"key\":\"/k\"},"
	"\"windows\":{\"backend\":\"mxc\",\"junk\":1}}";

static void test_full(void)
{
	struct srt_config *c = NULL;
	char *err = NULL, *j1, *j2;
	struct srt_config *c2 = NULL;

	if (!ok(config_parse_string(full, &c, &err) == 0, "full config parses")) {
		printf("# %s\n", err);
		free(err);
		return;
	}
	is_int(c->network.allowed_domains.n, 3, "allowedDomains count");
	is_str(c->network.allowed_domains.v[2], "[::1]:8080", "entries kept as written");
	is_str(c->network.denied_domains.v[0], "*:22", "deniedDomains");
	is_int(c->network.n_denied_reasons, 1, "one reason");
	is_str(c->network.denied_reasons[0].entry, "*:22", "reason key");
	is_str(c->network.denied_reasons[0].reason, "no ssh", "reason text");
	ok(c->network.strict_allowlist && c->network.allow_all_unix_sockets, "network bools");
	is_int(c->network.http_proxy_port, 3128, "httpProxyPort");
	is_int(c->network.socks_proxy_port, 1080, "socksProxyPort");
	ok(c->network.has_mitm_proxy, "mitmProxy present");
	is_str(c->network.mitm_socket_path, "/m.sock", "mitm socket");
	is_str(c->network.mitm_domains.v[0], "api.example.com", "mitm domains");
	ok(c->network.has_parent_proxy, "parentProxy present");
	is_str(c->network.parent_http, "http://p:3128", "parent http");
	ok(c->network.parent_https == NULL, "parent https absent");
	is_str(c->network.parent_no_proxy, "localhost", "noProxy");
	is_int(c->network.ambiguous_request_target, AMBIGUOUS_AS_SPELLED, "ambiguousRequestTarget");
	is_str(c->network.strip_response_headers.v[0], "set-cookie", "stripResponseHeaders");
	is_int(c->filesystem.deny_read.n, 2, "denyRead count");
	ok(!c->filesystem.deny_read.v[0].literal, "string entry is not literal");
	ok(c->filesystem.deny_read.v[1].literal, "object entry is literal");
	is_str(c->filesystem.deny_read.v[1].path, "/a[1]", "literal path");
	is_str(c->filesystem.allow_read.v[0].path, "~/.ssh/config", "allowRead");
	ok(c->filesystem.allow_git_config, "allowGitConfig");
	is_int(c->n_ignore_violations, 3, "ignoreViolations rules");
	/* JavaScript key order: index-like keys first, ascending. */
	is_str(c->ignore_violations[0].command, "1", "ignore order 1");
	is_str(c->ignore_violations[1].command, "2", "ignore order 2");
	is_str(c->ignore_violations[2].command, "*", "ignore order *");
	is_int(c->ignore_violations[0].patterns.n, 2, "ignore patterns");
	ok(c->enable_weaker_nested_sandbox && c->allow_nested_user_namespaces, "top bools");
	is_str(c->ripgrep_command, "/usr/bin/rg", "ripgrep command");
	is_str(c->ripgrep_args.v[0], "-u", "ripgrep args");
	is_str(c->ripgrep_argv0, "rg", "ripgrep argv0");
	is_int(c->mandatory_deny_search_depth, 7, "search depth");
	is_str(c->seccomp_apply_path, "/x/apply", "seccomp applyPath");
	is_str(c->seccomp_argv0, "a", "seccomp argv0");
	is_str(c->bwrap_path, "/usr/bin/bwrap", "bwrapPath");
	is_str(c->socat_path, "/usr/bin/socat", "socatPath");
	ok(c->has_git && c->git_safe_directories.n == 1, "git.safeDirectories");
	is_str(c->receipts_dir, "/r", "receipts.dir");
	is_str(c->receipts_key, "/k", "receipts.key");
	ok(c->has_windows, "windows present");
	is_str(c->windows_json, "{\"backend\":\"mxc\"}", "windows normalised, junk stripped");

	j1 = config_to_json(c, false);
	ok(j1 && !strstr(j1, "bogus") && !strstr(j1, "junk"), "to_json strips unknown keys");
	ok(strstr(j1, "\"mandatoryDenySearchDepth\":7") != NULL, "to_json carries values");
	if (ok(config_parse_string(j1, &c2, &err) == 0, "to_json output parses again"))
		j2 = config_to_json(c2, false);
	else {
		printf("# %s\n", err);
		free(err);
		j2 = NULL;
	}
	is_str(j2, j1, "to_json is a fixed point");
	free(j1);
	free(j2);
	j1 = config_to_json(c, true);
	ok(strchr(j1, '\n') != NULL, "pretty output has newlines");
	free(j1);
	config_free(c);
	config_free(c2);
}

static void test_defaults_json(void)
{
	struct srt_config *d = config_new_defaults(), *c = NULL;
	char *j = config_to_json(d, false), *err = NULL, *j2;

	ok(strstr(j, "\"allowedDomains\":[]") && strstr(j, "\"denyRead\":[]") && strstr(j, "\"allowRead\":[]"),
	   "defaults JSON has the built-in default shape");
	ok(config_parse_string(j, &c, &err) == 0, "defaults JSON is a valid config");
	j2 = c ? config_to_json(c, false) : NULL;
	is_str(j2, j, "defaults round trip");
	free(j);
	free(j2);
	free(err);
	config_free(d);
	config_free(c);
}

static void test_errors(void)
{
	parse_fails("", "JSON: ", true, "empty text");
	parse_fails("{", "JSON: Unexpected end of JSON input", false, "truncated");
	parse_fails("{\"a\":1,}", "JSON: ", true, "trailing comma");
	parse_fails("{} x", "JSON: Unexpected non-whitespace character after JSON at position 3", false,
		    "trailing garbage");
	parse_fails("null", "(root): Expected object, received null", false, "root null");
	parse_fails("[]", "(root): Expected object, received array", false, "root array");
	parse_fails("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]}}", "filesystem: Required", false,
		    "control-fd line with only network");
	parse_fails("{" NET_FS_MIN ",\"network\":{\"allowedDomains\":[\"*\"],\"deniedDomains\":[]}}",
		    "network.allowedDomains.0: Invalid domain pattern.", true, "duplicate key: last wins");
	parse_fails("{" NET_FS_MIN ",\"mandatoryDenySearchDepth\":\"80\"}",
		    "mandatoryDenySearchDepth: Expected number, received string", false, "no coercion");
	parse_fails("{" NET_FS_MIN ",\"mandatoryDenySearchDepth\":1.5}",
		    "mandatoryDenySearchDepth: Expected integer, received float", false, "float for int");
	parse_fails("{" NET_FS_MIN ",\"credentials\":{\"a\":1,\"b\":2}}",
		    "credentials: Unrecognized key(s) in object: 'a', 'b'", false, "strict object lists keys");
	parse_fails("{" NET_FS_MIN ",\"network\":{\"allowedDomains\":[],\"deniedDomains\":[],"
		    "\"deniedDomainReasons\":{\"b\":\"\",\"10\":\"\",\"9\":\"\"}}}",
		    "network.deniedDomainReasons.9: String must contain at least 1 character(s); "
		    "network.deniedDomainReasons.10: String must contain at least 1 character(s); "
		    "network.deniedDomainReasons.b: String must contain at least 1 character(s)",
		    false, "record keys in JavaScript order");
	parse_fails("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},\"filesystem\":{\"denyRead\":"
		    "[\"/a/*/\"],\"allowWrite\":[],\"denyWrite\":[1]}}",
		    "filesystem.denyWrite.0: Expected a path, or { \"path\": \"<path>\", \"literal\": true }", false,
		    "shape error hides the cross-field rule");
}

static void test_enforceable(void)
{
	struct srt_config *c = NULL;
	char *err = NULL;

	config_parse_string("{" NET_FS_MIN "}", &c, &err);
	is_int(config_check_enforceable(c, &err), 0, "plain config is enforceable");
	config_free(c);
	c = NULL;
	config_parse_string("{" NET_FS_MIN ",\"credentials\":{\"envVars\":[{\"name\":\"T\",\"mode\":\"deny\"}]}}", &c,
			    &err);
	is_int(config_check_enforceable(c, &err), -1, "credentials refused");
	ok(err && strncmp(err, "credentials: ", 13) == 0 && strstr(err, "not supported by this srt yet"),
	   "credentials message names the key");
	free(err);
	config_free(c);
	c = NULL;
	config_parse_string("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[],\"tlsTerminate\":{}},"
			    "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]}}",
			    &c, &err);
	is_int(config_check_enforceable(c, &err), -1, "tlsTerminate refused");
	ok(err && strncmp(err, "network.tlsTerminate: ", 22) == 0, "tlsTerminate message names the key");
	free(err);
	config_free(c);
}

static void load_fails(const char *flag, const char *want, const char *name)
{
	struct srt_config *c = NULL;
	char *path = NULL, *err = NULL;

	ok(config_load(flag, &c, &path, &err) == -1 && c == NULL, "%s: refused", name);
	is_str(err, want, "%s: message", name);
	free(err);
	free(path);
}

static void test_load(void)
{
	struct srt_config *c = NULL;
	char *path = NULL, *err = NULL, *p, *big, *want;
	const size_t big_len = 16u * 1024 * 1024 + 10;

	setenv("HOME", tmpdir, 1);
	ok(config_load(NULL, &c, &path, &err) == 0 && c, "no default file: defaults");
	want = NULL;
	if (asprintf(&want, "%s/.srt-settings.json", tmpdir) < 0)
		abort();
	is_str(path, want, "default path is $HOME/.srt-settings.json");
	config_free(c);
	free(path);
	c = NULL;
	ok(config_load("", &c, &path, &err) == 0 && c, "-s '' acts like no -s");
	config_free(c);
	free(path);
	c = NULL;

	free(write_tmp(".srt-settings.json", "{}", 2));
	p = NULL;
	if (asprintf(&p, "Error: %s does not hold a valid config — network: Required; filesystem: Required\n"
			 "Refusing to run with the built-in defaults, which would drop this file's rules (its "
			 "denyRead, allowRead and credential entries included).",
		     want) < 0)
		abort();
	load_fails(NULL, p, "bad default file");
	free(p);
	free(want);

	load_fails("/nonexistent/srt.json",
		   "Error: /nonexistent/srt.json does not exist.\nRefusing to run with the built-in defaults, which "
		   "would drop the rules --settings asked for.",
		   "-s missing");
	load_fails("/", "Error: / could not be read (EISDIR).\nRefusing to run with the built-in defaults, which "
			"would drop this file's rules (its denyRead, allowRead and credential entries included).",
		   "directory");

	p = write_tmp("ws.json", " \n\t\r\n", 5);
	want = NULL;
	if (asprintf(&want, "Error: %s is empty. Delete it, or put a config in it.\nRefusing to run with the built-in "
			    "defaults, which would drop this file's rules (its denyRead, allowRead and credential "
			    "entries included).",
		     p) < 0)
		abort();
	load_fails(p, want, "whitespace only");
	free(want);
	free(p);

	big = malloc(big_len);
	memset(big, ' ', big_len);
	big[0] = '{';
	big[big_len - 1] = '}';
	p = write_tmp("big.json", big, big_len);
	free(big);
	ok(config_load(p, &c, &path, &err) == -1 && err && strstr(err, "is too large (the limit is 16 MiB)"),
	   "size cap");
	free(err);
	unlink(p);
	free(p);

	p = write_tmp("ok.json", "{" NET_FS_MIN "}\n", strlen(NET_FS_MIN) + 3);
	c = NULL;
	path = NULL;
	ok(config_load(p, &c, &path, &err) == 0 && c, "valid -s file loads");
	is_str(path, p, "path echoed as given");
	config_free(c);
	free(path);
	free(p);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		abort();
	test_defaults();
	test_full();
	test_defaults_json();
	test_errors();
	test_enforceable();
	test_load();
	{
		char *cmd = NULL;
		if (asprintf(&cmd, "rm -rf '%s'", tmpdir) >= 0 && system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
		free(cmd);
	}
	return tap_done();
}
