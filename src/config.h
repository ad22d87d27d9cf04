/* The settings model: ~/.srt-settings.json parsed and validated into plain C
 * structs.  This is the one in-memory form of the settings that every other
 * module reads.  Only config.c includes json-c.  Paths are kept as written;
 * paths.c normalises them when the plan is built. */
#pragma once

#include "strv.h"

#include <stdbool.h>
#include <stddef.h>

/* A filesystem entry: "path" or {"path": "...", "literal": true}. */
struct fs_entry {
	char *path;
	bool literal; /* glob characters are taken literally */
};

struct fs_entries {
	struct fs_entry *v;
	size_t n;
};

struct domain_reason {
	char *entry;  /* exact deniedDomains string */
	char *reason; /* non-empty */
};

struct ignore_rule {
	char *command; /* "*" = every command */
	strv patterns;
};

enum ambiguous_target { AMBIGUOUS_REFUSE = 0, AMBIGUOUS_AS_SPELLED, AMBIGUOUS_NORMALIZE };

struct net_settings {
	strv allowed_domains; /* validated entries, as written */
	strv denied_domains;
	struct domain_reason *denied_reasons;
	size_t n_denied_reasons;
	bool strict_allowlist;
	strv denied_resolved_addresses; /* IP literals or CIDRs */
	bool allow_all_unix_sockets;
	int http_proxy_port;  /* 0 = run our own HTTP proxy */
	int socks_proxy_port; /* 0 = run our own SOCKS proxy */
	bool has_mitm_proxy;
	char *mitm_socket_path;
	strv mitm_domains;
	bool has_parent_proxy;
	char *parent_http;  /* NULL when absent */
	char *parent_https; /* NULL when absent */
	char *parent_no_proxy;
	bool has_tls_terminate; /* validated; enforcement not built: refused */
	bool allow_plaintext_header_set;
	bool refuse_opaque_tunnels;
	bool require_host_match;
	strv strip_response_headers;
	enum ambiguous_target ambiguous_request_target;
	/* macOS/Windows-only keys: validated, ignored on Linux. */
	strv allow_unix_sockets;
	bool allow_local_binding;
	strv allow_mach_lookup;
};

struct fs_settings {
	struct fs_entries deny_read;
	struct fs_entries allow_read;
	struct fs_entries allow_write;
	struct fs_entries deny_write;
	bool allow_git_config;
	bool disabled;
};

struct srt_config {
	struct net_settings network;
	struct fs_settings filesystem;
	struct ignore_rule *ignore_violations;
	size_t n_ignore_violations;
	bool enable_weaker_nested_sandbox;
	bool allow_nested_user_namespaces;
	char *ripgrep_command; /* default "rg" */
	strv ripgrep_args;
	char *ripgrep_argv0; /* NULL when absent */
	int mandatory_deny_search_depth; /* 1..10, default 3 */
	char *seccomp_apply_path;       /* NULL when absent */
	char *seccomp_argv0;            /* NULL when absent */
	char *bwrap_path;               /* NULL = PATH lookup */
	char *socat_path;               /* NULL = PATH lookup */
	strv git_safe_directories;
	bool has_git;
	/* Our addition (signed receipts); NULL when absent. */
	char *receipts_dir;
	char *receipts_key;
	/* Keys whose enforcement srt does not implement: validated, then
	 * config_check_enforceable() refuses to run. */
	bool has_credentials;
	bool has_credential_masks;
	/* Platform keys that are validated and ignored on Linux. */
	bool enable_weaker_network_isolation;
	bool allow_apple_events;
	bool allow_pty;
	bool has_windows;
	char *java_agent_jar_path;
	/* Normalised JSON (unknown keys stripped) of subtrees srt validates
	 * but does not model field by field; NULL when absent. */
	char *credentials_json;
	char *tls_terminate_json;
	char *windows_json;
};

/* Built-in defaults (no network, default write paths, reads unrestricted). */
struct srt_config *config_new_defaults(void);

/* Parse and validate one JSON text (a settings file's content or one
 * --control-fd line).  On failure returns -1 and *ret_err holds every
 * problem as "<dotted.path>: <message>; <path>: <message>" ("(root)" for
 * the top), or the JSON parser's message prefixed by "JSON: ". */
int config_parse_string(const char *text, struct srt_config **ret, char **ret_err);

/* Load the settings file as spec section 2 says.  path_from_flag is the -s
 * value (NULL or "" = none).  On success *ret is the config (the defaults
 * when the default file does not exist) and *ret_path the path used.  On
 * failure returns -1 and *ret_err is the complete message, both lines:
 * "Error: <p> ...\nRefusing to run with the built-in defaults, which would
 * drop <X>." */
int config_load(const char *path_from_flag, struct srt_config **ret, char **ret_path, char **ret_err);

/* Refuse settings srt validates but cannot enforce (credential masking,
 * tlsTerminate, ...).  Returns 0, or -1 with a message naming the key. */
int config_check_enforceable(const struct srt_config *cfg, char **ret_err);

/* Normalised JSON of the settings (unknown keys stripped, defaults filled),
 * pretty-printed, for --dry-run and debug lines. */
char *config_to_json(const struct srt_config *cfg, bool pretty);

/* One debug line per macOS/Windows-only key that is set (validated,
 * ignored on Linux).  Called by main; config.c prints nothing else. */
void config_log_ignored_keys(const struct srt_config *cfg);

/* Append a path to a filesystem list (srt's own additions, e.g. hiding
 * the receipt key from the sandbox). */
void config_add_fs_entry(struct fs_entries *list, const char *path, bool literal);

void config_free(struct srt_config *cfg);
