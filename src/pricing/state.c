/*
 * state.c - choosing the rates table to start with: state directory first, snapshot second.
 */
#include "computefit/state.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "computefit/log.h"
#include "computefit/rates_json.h"

int state_rates_path(const struct cf_config *cfg, char *buf, size_t cap)
{
    if (!cfg->state_dir[0])
        return -1;
    int n = snprintf(buf, cap, "%s/%s", cfg->state_dir, STATE_RATES_FILE);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int state_load_initial(const struct cf_config *cfg, struct rates **ret, struct cf_error *reterr)
{
    char path[600];
    struct cf_error err = {0};
    struct rates *r = NULL;
    if (state_rates_path(cfg, path, sizeof(path)) == 0) {
        if (access(path, F_OK) == 0) {
            int rc = rates_load_file(path, CF_SOURCE_STATE, &r, &err);
            if (rc == 0) {
                LOG_FIELDS(CF_LOG_INFO, "rates_loaded", LOGF_S("source", "state"),
                           LOGF_S("path", path), LOGF_I("regions", r->n_regions));
                *ret = r;
                return 0;
            }
            LOG_FIELDS(CF_LOG_WARN, "state_rejected", LOGF_S("path", path),
                       LOGF_S("field", err.field), LOGF_S("message", err.message));
        }
    }
    int rc = rates_load_file(cfg->rates_snapshot, CF_SOURCE_SNAPSHOT, &r, &err);
    if (rc != 0)
        return cf_error_set(reterr, CF_ECONFIG, "rates_snapshot", "cannot load %s: %s%s%s",
                            cfg->rates_snapshot, err.field, err.field[0] ? ": " : "", err.message);
    LOG_FIELDS(CF_LOG_INFO, "rates_loaded", LOGF_S("source", "snapshot"),
               LOGF_S("path", cfg->rates_snapshot), LOGF_I("regions", r->n_regions));
    *ret = r;
    return 0;
}
