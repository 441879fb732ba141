/*
 * config.c - settings from defaults, the config file, COMPUTEFIT_* variables and flags.
 *
 * One table (CF_CONFIG_KEYS) drives everything, so a key cannot be readable from the file but
 * missing from --help, or validated differently from a flag than from the environment.
 */
#include "computefit/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_build.h"
#include "computefit/log.h"

/* KT_SECRET and KT_SECRET_B64 values are never echoed: not in errors, --help or logs. */
enum key_type {
    KT_LONG,
    KT_DOUBLE,
    KT_BOOL,
    KT_STR,
    KT_PATH,
    KT_LEVEL,
    KT_URL,
    KT_SECRET,
    KT_SECRET_B64 /* a secret written in base64 (RFC 4648, with its padding) */
};

struct key_def {
    const char *key;
    enum key_type type;
    size_t offset;
    size_t size; /* for strings: capacity */
    const char *def;
    double min, max;
    const char *help;
};

#define F(m) offsetof(struct cf_config, m), sizeof(((struct cf_config *)0)->m)

/* clang-format off */
static const struct key_def keys[] = {
    {"bind", KT_STR, F(bind), "0.0.0.0", 0, 0, "IPv4 address to listen on"},
    {"port", KT_LONG, F(port), "8080", 0, 65535, "TCP port (0 = any free port)"},
    {"threads", KT_LONG, F(threads), "0", 0, 256, "HTTP worker threads (0 = number of cores)"},
    {"connection_limit", KT_LONG, F(connection_limit), "1024", 1, 1000000, "maximum open connections"},
    {"per_ip_connection_limit", KT_LONG, F(per_ip_connection_limit), "64", 0, 1000000, "maximum connections from one IP (0 = no limit)"},
    {"connection_timeout", KT_LONG, F(connection_timeout_s), "30", 1, 3600, "seconds an idle connection is kept"},
    {"connection_memory_limit", KT_LONG, F(connection_memory_limit), "65536", 8192, 16777216, "bytes of memory per connection (headers and buffers)"},
    {"max_body_bytes", KT_LONG, F(max_body_bytes), "65536", 1, 16777216, "largest request body accepted; larger gets 413"},
    {"lingering_close_bytes", KT_LONG, F(lingering_close_bytes), "33554432", 0, 1073741824L, "after an early 413, request-body bytes read and dropped before closing, so the client reads the 413 (0 = close at once)"},
    {"lingering_close_timeout", KT_LONG, F(lingering_close_timeout_s), "5", 1, 600, "seconds an early 413's connection may spend being read and dropped"},
    {"lingering_close_limit", KT_LONG, F(lingering_close_limit), "128", 0, 100000, "connections read and dropped at once; more are closed at once"},
    {"shutdown_timeout", KT_LONG, F(shutdown_timeout_s), "10", 0, 600, "seconds to let in-flight requests finish on SIGTERM"},
    {"log_level", KT_LEVEL, F(log_level), "info", 0, 0, "debug, info, warn, error or off"},
    {"model_file", KT_PATH, F(model_file), "model.json", 0, 0, "the model's constants"},
    {"gpu_specs_file", KT_PATH, F(gpu_specs_file), "gpu-specs.json", 0, 0, "GPU model and memory per instance family"},
    {"rates_snapshot", KT_PATH, F(rates_snapshot), "rates-snapshot.json", 0, 0, "bundled rates used when nothing newer is available"},
    {"state_dir", KT_PATH, F(state_dir), "", 0, 0, "directory for the last-known-good rates (empty = none)"},
    {"refresh", KT_BOOL, F(refresh_enabled), "true", 0, 0, "refresh rates from the AWS Price List in the background"},
    {"pricing_url", KT_URL, F(pricing_url), "https://pricing.us-east-1.amazonaws.com", 0, 0, "base URL of the AWS Price List Bulk API (or a mirror)"},
    {"regions", KT_STR, F(regions), "us-east-1,us-east-2,us-west-1,us-west-2,eu-west-1,eu-central-1,ap-south-1,ap-northeast-1,ap-southeast-1,ap-southeast-2", 0, 0, "comma-separated regions to refresh"},
    {"refresh_interval", KT_LONG, F(refresh_interval_s), "21600", 10, 2592000, "seconds between Lambda/Fargate refreshes"},
    {"ec2_refresh_interval", KT_LONG, F(ec2_refresh_interval_s), "86400", 10, 2592000, "seconds between EC2 refreshes"},
    {"fetch_connect_timeout", KT_LONG, F(fetch_connect_timeout_s), "10", 1, 600, "seconds to connect to the pricing endpoint"},
    {"fetch_timeout", KT_LONG, F(fetch_timeout_s), "600", 1, 86400, "seconds one download may take"},
    {"fetch_max_bytes", KT_LONG, F(fetch_max_bytes), "16777216", 1024, 1073741824L, "largest Lambda/ECS/index file accepted"},
    {"fetch_max_ec2_bytes", KT_LONG, F(fetch_max_ec2_bytes), "2147483648", 1024, 68719476736.0, "largest EC2 offer file streamed"},
    {"fetch_retries", KT_LONG, F(fetch_retries), "3", 0, 20, "retries per file, with exponential backoff and jitter"},
    {"ec2_max_entry_bytes", KT_LONG, F(ec2_max_entry_bytes), "1048576", 1024, 67108864, "largest single product or term entry in the EC2 offer"},
    {"ec2_max_rows", KT_LONG, F(ec2_max_rows), "4096", 1, 1000000, "most instance rows kept from one EC2 offer"},
    {"ec2_max_lost_share", KT_DOUBLE, F(ec2_max_lost_share), "0.2", 0, 1, "a live EC2 file that loses more than this share of the instance types in use is refused as partial"},
    {"ec2_max_products", KT_LONG, F(ec2_max_products), "20000000", 1, 1000000000, "most products examined in one EC2 offer"},
    {"strict_validation", KT_BOOL, F(strict_validation), "false", 0, 0, "reject a refresh in which a rate moved more than max_price_change_factor"},
    {"max_price_change_factor", KT_DOUBLE, F(max_price_change_factor), "5", 1, 1000, "a rate moving by more than this factor is logged and counted"},
    {"max_rates_age", KT_LONG, F(max_rates_age_s), "0", 0, 315360000, "/readyz fails when the rates are older than this many seconds (0 = never)"},
    {"stale_after", KT_LONG, F(stale_after_s), "172800", 60, 315360000, "rates older than this many seconds are reported stale"},
    {"rates_url", KT_URL, F(rates_url), "", 0, 0, "refresh from this rates document (another computefit's GET /pricing/export, or a file computefit-snapshot published) instead of the AWS Price List (empty = AWS)"},
    {"rates_url_interval", KT_LONG, F(rates_url_interval_s), "300", 10, 86400, "seconds between checks of rates_url (a conditional GET: 304 when unchanged)"},
    {"fargate_spot_url", KT_URL, F(fargate_spot_url), "", 0, 0, "AWS Fargate Spot price feed (empty = use the configured discount)"},
    {"ec2_spot_advisor_url", KT_URL, F(ec2_spot_advisor_url), "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json", 0, 0, "AWS EC2 Spot Instance Advisor feed, fetched with each EC2 refresh (empty = not used)"},
    {"admin_token", KT_SECRET, F(admin_token), "", 0, 0, "bearer token for POST /pricing/refresh (empty = route disabled)"},
    {"api_keys", KT_SECRET, F(api_keys), "", 0, 0, "comma-separated bearer keys for /advise and /compare (empty = open)"},
    {"slack_signing_secret", KT_SECRET, F(slack_signing_secret), "", 0, 0, "Slack app's signing secret for POST /chatops/slack (empty = route disabled)"},
    {"mattermost_token", KT_SECRET, F(mattermost_token), "", 0, 0, "Mattermost slash command's token for POST /chatops/mattermost (empty = route disabled)"},
    {"teams_hmac_secret", KT_SECRET_B64, F(teams_hmac_secret), "", 0, 0, "Teams outgoing webhook's security token (base64) for POST /chatops/teams (empty = route disabled)"},
    {"cors_origins", KT_STR, F(cors_origins), "", 0, 0, "comma-separated origins allowed by CORS (* = any; empty = no CORS)"},
};
/* clang-format on */

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key_def *key_find(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static const char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int set_string(char *dst, size_t cap, const char *value, const char *key,
                      struct cf_error *reterr)
{
    size_t n = strlen(value);
    if (n >= cap)
        return cf_error_set(reterr, CF_ECONFIG, key, "%s is too long (%zu bytes; at most %zu)", key,
                            n, cap - 1);
    memcpy(dst, value, n + 1);
    return 0;
}

/* Whether `s` is base64 with its padding (RFC 4648 section 4): groups of four characters of the
 * alphabet, the last ending in at most two '='. */
static bool is_base64(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n % 4 != 0)
        return false;
    while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/')
            return false;
    return true;
}

static int parse_long(const struct key_def *k, const char *value, long *ret,
                      struct cf_error *reterr)
{
    errno = 0;
    char *end;
    long v = strtol(value, &end, 10);
    if (!*value || *end || errno)
        return cf_error_set(reterr, CF_ECONFIG, k->key, "%s must be a whole number, got \"%s\"",
                            k->key, value);
    if ((double)v < k->min || (double)v > k->max)
        return cf_error_set(reterr, CF_ECONFIG, k->key, "%s must be between %.0f and %.0f, got %ld",
                            k->key, k->min, k->max, v);
    *ret = v;
    return 0;
}

static int parse_bool(const char *key, const char *value, bool *ret, struct cf_error *reterr)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            *ret = true;
            return 0;
        }
        if (strcasecmp(value, no[i]) == 0) {
            *ret = false;
            return 0;
        }
    }
    return cf_error_set(reterr, CF_ECONFIG, key, "%s must be true or false, got \"%s\"", key,
                        value);
}

/* Whether `url` is one libcurl will fetch as meant: http:// or https:// with a host (an empty
 * host would be a relative path to curl), or file:// with an absolute path; nothing libcurl
 * would have to escape or could read as a second header line (no byte below '!' or above '~'). */
static bool url_ok(const char *url)
{
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return false;
    const char *rest = NULL;
    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strncmp(url, "file://", 7) == 0)
        return url[7] == '/';
    return rest && *rest && !strchr("/?#@:", *rest);
}

int config_set(struct cf_config *cfg, const char *key, const char *value, const char *origin,
               struct cf_error *reterr)
{
    const struct key_def *k = key_find(key);
    if (!k)
        return cf_error_set(reterr, CF_ECONFIG, key, "unknown setting \"%s\" (see --help)", key);
    char *field = (char *)cfg + k->offset;
    switch (k->type) {
    case KT_LONG:
        return parse_long(k, value, (long *)(void *)field, reterr);
    case KT_DOUBLE: {
        errno = 0;
        char *end;
        double v = strtod(value, &end);
        if (!*value || *end || errno || !isfinite(v))
            return cf_error_set(reterr, CF_ECONFIG, key, "%s must be a number, got \"%s\"", key,
                                value);
        if (v < k->min || v > k->max)
            return cf_error_set(reterr, CF_ECONFIG, key, "%s must be between %g and %g, got %g",
                                key, k->min, k->max, v);
        *(double *)(void *)field = v;
        return 0;
    }
    case KT_BOOL:
        return parse_bool(key, value, (bool *)(void *)field, reterr);
    case KT_LEVEL: {
        enum cf_log_level lvl;
        if (log_level_parse(value, &lvl) != 0)
            return cf_error_set(reterr, CF_ECONFIG, key,
                                "%s must be debug, info, warn, error or off, got \"%s\"", key,
                                value);
        return set_string(field, k->size, value, key, reterr);
    }
    case KT_URL:
        if (*value && !url_ok(value))
            return cf_error_set(reterr, CF_ECONFIG, key,
                                "%s must be an http:// or https:// URL with a host, or a file:///"
                                " path, without spaces or control characters, got \"%.200s\"",
                                key, value);
        return set_string(field, k->size, value, key, reterr);
    case KT_PATH:
        if (*value && value[0] != '/' && origin && *origin) {
            char joined[1024];
            snprintf(joined, sizeof(joined), "%s/%s", origin, value);
            return set_string(field, k->size, joined, key, reterr);
        }
        return set_string(field, k->size, value, key, reterr);
    case KT_SECRET_B64:
        if (!is_base64(value))
            return cf_error_set(reterr, CF_ECONFIG, key,
                                "%s must be base64, as the security token Teams shows when the "
                                "outgoing webhook is created (the value given is not; it is not "
                                "repeated here)",
                                key);
        return set_string(field, k->size, value, key, reterr);
    case KT_STR:
    case KT_SECRET:
        return set_string(field, k->size, value, key, reterr);
    }
    return cf_error_set(reterr, CF_ECONFIG, key, "unsupported setting type");
}

void config_defaults(struct cf_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < N_KEYS; i++) {
        /* Defaults are valid by construction; data files live in the bundled config dir. */
        int r = config_set(cfg, keys[i].key, keys[i].def, CF_DEFAULT_CONFIG_DIR, NULL);
        if (r != 0)
            abort();
    }
    snprintf(cfg->config_file, sizeof(cfg->config_file), "%s/computefit.conf",
             CF_DEFAULT_CONFIG_DIR);
}

static void dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

static int load_file(struct cf_config *cfg, const char *path, bool must_exist,
                     struct cf_error *reterr)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!must_exist && errno == ENOENT)
            return 0;
        return cf_error_set(reterr, CF_ECONFIG, "config", "cannot read config file %s: %s", path,
                            strerror(errno));
    }
    char dir[512];
    dir_of(path, dir, sizeof(dir));
    char line[2048];
    int lineno = 0, r = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            r = cf_error_set(reterr, CF_ECONFIG, "config", "%s:%d: line too long", path, lineno);
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *eq = strchr(line, '=');
        const char *t = trim(line);
        if (!*t)
            continue;
        if (!eq) {
            r = cf_error_set(reterr, CF_ECONFIG, "config", "%s:%d: expected key = value", path,
                             lineno);
            break;
        }
        *eq = '\0';
        const char *key = trim(line);
        const char *value = trim(eq + 1);
        r = config_set(cfg, key, value, dir, reterr);
        if (r != 0) {
            if (reterr) {
                char msg[sizeof(reterr->message)];
                snprintf(msg, sizeof(msg), "%s:%d: %s", path, lineno, reterr->message);
                memcpy(reterr->message, msg, sizeof(msg));
            }
            break;
        }
    }
    fclose(f);
    return r;
}

/* "COMPUTEFIT_MAX_BODY_BYTES" -> "max_body_bytes"; returns 0 when `name` is ours. */
static int env_key(const char *name, size_t name_len, char *out, size_t cap)
{
    static const char prefix[] = "COMPUTEFIT_";
    if (name_len <= sizeof(prefix) - 1 || strncmp(name, prefix, sizeof(prefix) - 1) != 0)
        return -1;
    size_t n = name_len - (sizeof(prefix) - 1);
    if (n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)name[sizeof(prefix) - 1 + i]);
    out[n] = '\0';
    return 0;
}

/* "--max-body-bytes" -> "max_body_bytes" */
static void flag_key(const char *flag, size_t n, char *out, size_t cap)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++)
        out[i] = flag[i] == '-' ? '_' : flag[i];
    out[i] = '\0';
}

void config_usage(FILE *out)
{
    fprintf(out,
            "Usage: computefit [--config FILE] [--KEY VALUE | --KEY=VALUE]...\n"
            "Advises whether an AI task should run on AWS Lambda, ECS/Fargate or ECS on EC2\n"
            "with a GPU, and what each costs, from AWS Price List rates.\n\n"
            "Each setting comes from, in rising precedence: its default, the config file\n"
            "(key = value), the variable COMPUTEFIT_<KEY>, and the flag --<key>.\n\n"
            "  --config FILE   config file (default %s/computefit.conf)\n"
            "  --help          this text\n  --version       the version\n\n",
            CF_DEFAULT_CONFIG_DIR);
    for (size_t i = 0; i < N_KEYS; i++) {
        char flag[64];
        size_t j = 0;
        for (; keys[i].key[j] && j + 1 < sizeof(flag); j++)
            flag[j] = keys[i].key[j] == '_' ? '-' : keys[i].key[j];
        flag[j] = '\0';
        char env[64];
        for (j = 0; keys[i].key[j] && j + 1 < sizeof(env); j++)
            env[j] = (char)toupper((unsigned char)keys[i].key[j]);
        env[j] = '\0';
        fprintf(out, "  --%-26s COMPUTEFIT_%s\n      %s (default: %s)\n", flag, env, keys[i].help,
                *keys[i].def ? keys[i].def : "empty");
    }
}

int config_load(struct cf_config *cfg, int argc, char *const argv[], char *const envp[],
                struct cf_error *reterr)
{
    config_defaults(cfg);

    /* The config file is chosen first (flag, then environment), since it is the lowest layer. */
    const char *file = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            config_usage(stdout);
            return 1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("computefit %s\n", CF_VERSION);
            return 1;
        }
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc)
                return cf_error_set(reterr, CF_ECONFIG, "config", "--config needs a file name");
            file = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            file = argv[i] + 9;
        }
    }
    for (char *const *e = envp; !file && e && *e; e++)
        if (strncmp(*e, "COMPUTEFIT_CONFIG=", 18) == 0)
            file = *e + 18;

    int r;
    if (file) {
        if (!*file)
            return cf_error_set(reterr, CF_ECONFIG, "config", "the config file name is empty");
        r = set_string(cfg->config_file, sizeof(cfg->config_file), file, "config", reterr);
        if (r == 0)
            r = load_file(cfg, file, true, reterr);
    } else {
        r = load_file(cfg, cfg->config_file, false, reterr);
    }
    if (r != 0)
        return r;

    for (char *const *e = envp; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        char key[64];
        if (!eq || env_key(*e, (size_t)(eq - *e), key, sizeof(key)) != 0)
            continue;
        if (strcmp(key, "config") == 0)
            continue;
        r = config_set(cfg, key, eq + 1, NULL, reterr);
        if (r != 0) {
            if (reterr && strncmp(reterr->message, "unknown setting", 15) == 0)
                snprintf(reterr->message, sizeof(reterr->message),
                         "unknown variable COMPUTEFIT_%.*s (see --help)", (int)strlen(key),
                         *e + 11);
            return r;
        }
    }

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || !a[2])
            return cf_error_set(reterr, CF_ECONFIG, a, "unexpected argument \"%s\" (see --help)",
                                a);
        a += 2;
        const char *eq = strchr(a, '=');
        char key[64];
        const char *value;
        flag_key(a, eq ? (size_t)(eq - a) : strlen(a), key, sizeof(key));
        if (eq) {
            value = eq + 1;
        } else {
            if (i + 1 >= argc)
                return cf_error_set(reterr, CF_ECONFIG, key, "--%s needs a value", a);
            value = argv[++i];
        }
        if (strcmp(key, "config") == 0)
            continue;
        r = config_set(cfg, key, value, NULL, reterr);
        if (r != 0)
            return r;
    }
    /* A follower whose refresher is off would never read its rates_url: say so rather than
     * serve the snapshot quietly. */
    if (cfg->rates_url[0] && !cfg->refresh_enabled)
        return cf_error_set(reterr, CF_ECONFIG, "rates_url",
                            "rates_url is set but refresh is false: turn refresh on to follow "
                            "rates_url, or unset rates_url");
    return 0;
}
