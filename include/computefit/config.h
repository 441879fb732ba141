/*
 * config.h - the service's settings: defaults < config file < COMPUTEFIT_* environment < flags.
 *
 * Every setting is one row of CF_CONFIG_KEYS (config.c), which gives its key, type, default,
 * range and help text; the file parser, the environment reader, the flag parser, --help and the
 * error messages are all driven by that table. The config file is `key = value` lines with `#`
 * comments (config/computefit.conf documents every key). Relative paths in a config file are
 * resolved against the file's own directory; relative paths from the environment or flags
 * against the working directory.
 */
#ifndef COMPUTEFIT_CONFIG_H
#define COMPUTEFIT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "computefit/error.h"

struct cf_config {
    /* server */
    char bind[64];
    long port;
    long threads; /* 0 = number of cores */
    long connection_limit;
    long per_ip_connection_limit;
    long connection_timeout_s;
    long connection_memory_limit;
    long max_body_bytes;
    long lingering_close_bytes;     /* a refused body read and dropped before closing */
    long lingering_close_timeout_s; /* how long that reading may take */
    long lingering_close_limit;     /* connections being read and dropped at once */
    long shutdown_timeout_s;
    char log_level[16];
    /* data files */
    char config_file[512];
    char model_file[512];
    char gpu_specs_file[512];
    char rates_snapshot[512];
    char state_dir[512];
    /* pricing refresh */
    bool refresh_enabled;
    char pricing_url[256];
    char regions[512]; /* comma-separated region codes */
    long refresh_interval_s;
    long ec2_refresh_interval_s;
    long fetch_connect_timeout_s;
    long fetch_timeout_s;
    long fetch_max_bytes;
    long fetch_max_ec2_bytes;
    long fetch_retries;
    long ec2_max_entry_bytes;  /* one product or one SKU's terms in the EC2 offer */
    long ec2_max_rows;         /* instance rows kept from one EC2 offer */
    double ec2_max_lost_share; /* a live EC2 list losing more of the types in use is refused */
    long ec2_max_products;     /* products examined in one EC2 offer */
    bool strict_validation;
    double max_price_change_factor;
    long max_rates_age_s; /* /readyz fails past this age; 0 = never */
    long stale_after_s;
    char rates_url[512];       /* "" = the AWS Price List; else the rates document to follow */
    long rates_url_interval_s; /* seconds between checks of rates_url */
    char fargate_spot_url[256];
    char ec2_spot_advisor_url[256]; /* "" = not used */
    /* access */
    char admin_token[128];
    char api_keys[512];     /* comma-separated bearer keys for /advise and /compare; empty = open */
    char cors_origins[512]; /* comma-separated allowed origins; "*" = any; empty = no CORS */
    /* chat commands (src/http/chatops.c): empty = the route answers 404; never logged */
    char slack_signing_secret[128]; /* the Slack app's signing secret */
    char mattermost_token[128];     /* the Mattermost slash command's token */
    char teams_hmac_secret[128];    /* the Teams outgoing webhook's security token, base64 */
};

/* Fills *cfg with every default. Never fails. */
void config_defaults(struct cf_config *cfg);

/* Builds the configuration from the config file, the environment (`envp`, NULL-terminated
 * "KEY=value" strings; only COMPUTEFIT_* are read) and the command line (`argv` without
 * argv[0]). The config file is --config, else COMPUTEFIT_CONFIG, else the bundled default
 * (a missing default file is not an error; a missing named file is).
 * Returns 0; 1 when --help or --version was handled (text written to stdout); or CF_ECONFIG with
 * reterr->field naming the key and reterr->message the reason. *cfg is always initialised. */
int config_load(struct cf_config *cfg, int argc, char *const argv[], char *const envp[],
                struct cf_error *reterr);

/* Writes the --help text (every key, its flag, variable, default and meaning) to `out`. */
void config_usage(FILE *out);

/* Sets one key from its text value, as the file/env/flag parsers do; `origin` is the directory
 * relative paths are resolved against (NULL = as given). Returns 0 or CF_ECONFIG. */
int config_set(struct cf_config *cfg, const char *key, const char *value, const char *origin,
               struct cf_error *reterr);

#endif
