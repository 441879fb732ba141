/*
 * test_config.c - settings: defaults, file, environment and flags, precedence and errors.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "computefit/config.h"
#include "testutil.h"

/* -Wwrite-strings makes literals const; argv-style arrays are char *const[]. */
#define S(lit) ((char *)(uintptr_t)(lit))

static char conf_path[64];

static void write_conf(const char *text)
{
    strcpy(conf_path, "/tmp/cf-config-XXXXXX");
    int fd = mkstemp(conf_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

START_TEST(defaults_are_valid)
{
    struct cf_config c;
    config_defaults(&c);
    ck_assert_int_eq(c.port, 8080);
    ck_assert_int_eq(c.max_body_bytes, 65536);
    ck_assert_str_eq(c.log_level, "info");
    ck_assert(c.refresh_enabled);
    ck_assert_str_eq(c.pricing_url, "https://pricing.us-east-1.amazonaws.com");
    ck_assert_str_eq(c.ec2_spot_advisor_url,
                     "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json");
    ck_assert_str_eq(c.fargate_spot_url, "");
    /* Data files default to the bundled config directory. */
    ck_assert_ptr_nonnull(strstr(c.rates_snapshot, "/rates-snapshot.json"));
    ck_assert_int_eq(c.rates_snapshot[0], '/');
}
END_TEST

START_TEST(bundled_file_loads)
{
    char *path = cf_test_path("config/computefit.conf");
    char *argv[] = {S("--config"), path};
    struct cf_config c;
    struct cf_error err;
    ck_assert_int_eq(config_load(&c, 2, argv, NULL, &err), 0);
    ck_assert_int_eq(c.port, 8080);
    ck_assert_int_eq(c.connection_timeout_s, 30);
    free(path);
}
END_TEST

START_TEST(precedence_file_env_flag)
{
    write_conf("port = 1111\nthreads = 3\nlog_level = warn\nmodel_file = m.json\n");
    char *argv[] = {S("--config"), conf_path, S("--port"), S("3333")};
    char *envp[] = {S("COMPUTEFIT_PORT=2222"), S("COMPUTEFIT_THREADS=4"), S("HOME=/root"), NULL};
    struct cf_config c;
    struct cf_error err;
    ck_assert_int_eq(config_load(&c, 4, argv, envp, &err), 0);
    ck_assert_int_eq(c.port, 3333);        /* flag beats env and file */
    ck_assert_int_eq(c.threads, 4);        /* env beats file */
    ck_assert_str_eq(c.log_level, "warn"); /* file beats default */
    /* A relative path in a file is relative to the file's directory. */
    ck_assert_str_eq(c.model_file, "/tmp/m.json");
    unlink(conf_path);
}
END_TEST

START_TEST(flag_forms)
{
    char *argv[] = {S("--max-body-bytes=100"), S("--log_level"), S("debug"),
                    S("--strict-validation"), S("yes")};
    struct cf_config c;
    struct cf_error err;
    ck_assert_int_eq(config_load(&c, 5, argv, NULL, &err), 0);
    ck_assert_int_eq(c.max_body_bytes, 100);
    ck_assert_str_eq(c.log_level, "debug");
    ck_assert(c.strict_validation);
}
END_TEST

START_TEST(config_from_env)
{
    write_conf("port = 4444\n");
    char env[128];
    snprintf(env, sizeof(env), "COMPUTEFIT_CONFIG=%s", conf_path);
    char *envp[] = {env, NULL};
    struct cf_config c;
    struct cf_error err;
    ck_assert_int_eq(config_load(&c, 0, NULL, envp, &err), 0);
    ck_assert_int_eq(c.port, 4444);
    unlink(conf_path);
}
END_TEST

/* The Spot Advisor feed's URL comes from the generic code: environment, flag, and "" to turn
 * the feed off. */
START_TEST(ec2_spot_advisor_url_forms)
{
    char *envp[] = {S("COMPUTEFIT_EC2_SPOT_ADVISOR_URL=http://127.0.0.1:9/spot.json"), NULL};
    struct cf_config c;
    struct cf_error err = {0};
    ck_assert_int_eq(config_load(&c, 0, NULL, envp, &err), 0);
    ck_assert_str_eq(c.ec2_spot_advisor_url, "http://127.0.0.1:9/spot.json");
    char *off[] = {S("--ec2_spot_advisor_url"), S("")};
    ck_assert_int_eq(config_load(&c, 2, off, envp, &err), 0);
    ck_assert_str_eq(c.ec2_spot_advisor_url, "");
    char *file[] = {S("--ec2-spot-advisor-url=file:///srv/mirror/spot-advisor-data.json")};
    ck_assert_int_eq(config_load(&c, 1, file, NULL, &err), 0);
    ck_assert_str_eq(c.ec2_spot_advisor_url, "file:///srv/mirror/spot-advisor-data.json");
}
END_TEST

/* A follower: rates_url from the file, the environment or a flag, with its interval; off by
 * default (the AWS Price List); refused with refresh off, which would never read it. */
START_TEST(rates_url_forms)
{
    struct cf_config c;
    struct cf_error err = {0};
    config_defaults(&c);
    ck_assert_str_eq(c.rates_url, "");
    ck_assert_int_eq(c.rates_url_interval_s, 300);
    write_conf("rates_url = http://leader.internal:8080/pricing/export\n");
    char *argv[] = {S("--config"), conf_path, S("--rates-url-interval"), S("60")};
    ck_assert_int_eq(config_load(&c, 4, argv, NULL, &err), 0);
    ck_assert_str_eq(c.rates_url, "http://leader.internal:8080/pricing/export");
    ck_assert_int_eq(c.rates_url_interval_s, 60);
    unlink(conf_path);
    char *envp[] = {S("COMPUTEFIT_RATES_URL=https://bucket.s3.amazonaws.com/rates.json"), NULL};
    ck_assert_int_eq(config_load(&c, 0, NULL, envp, &err), 0);
    ck_assert_str_eq(c.rates_url, "https://bucket.s3.amazonaws.com/rates.json");
    char *file[] = {S("--rates-url=file:///srv/rates/rates.json")};
    ck_assert_int_eq(config_load(&c, 1, file, NULL, &err), 0);
    ck_assert_str_eq(c.rates_url, "file:///srv/rates/rates.json");

    char *off[] = {S("--refresh"), S("false")};
    ck_assert_int_eq(config_load(&c, 2, off, envp, &err), CF_ECONFIG);
    ck_assert_str_eq(err.field, "rates_url");
    ck_assert_ptr_nonnull(strstr(err.message, "refresh"));
}
END_TEST

struct bad_case {
    const char *flag;
    const char *value;
    const char *field;
};

START_TEST(invalid_values_name_their_key)
{
    static const struct bad_case cases[] = {
        {"--port", "65536", "port"},
        {"--port", "-1", "port"},
        {"--port", "80x", "port"},
        {"--port", "", "port"},
        {"--threads", "9999", "threads"},
        {"--max-body-bytes", "0", "max_body_bytes"},
        {"--log-level", "chatty", "log_level"},
        {"--refresh", "maybe", "refresh"},
        {"--pricing-url", "ftp://x", "pricing_url"},
        {"--ec2-spot-advisor-url", "spot-advisor-data.json", "ec2_spot_advisor_url"},
        {"--rates-url", "leader:8080/pricing/export", "rates_url"},
        {"--rates-url", "http:///pricing/export", "rates_url"},
        {"--rates-url", "http://", "rates_url"},
        {"--rates-url", "http://leader/pricing export", "rates_url"},
        {"--rates-url", "http://leader/x\r\nHost: evil", "rates_url"},
        {"--rates-url", "file://rates.json", "rates_url"},
        {"--rates-url-interval", "5", "rates_url_interval"},
        {"--max-price-change-factor", "nan", "max_price_change_factor"},
        {"--max-price-change-factor", "0.5", "max_price_change_factor"},
        {"--no-such-thing", "1", "no_such_thing"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[] = {(char *)(uintptr_t)cases[i].flag, (char *)(uintptr_t)cases[i].value};
        struct cf_config c;
        struct cf_error err = {0};
        ck_assert_int_eq(config_load(&c, 2, argv, NULL, &err), CF_ECONFIG);
        ck_assert_str_eq(err.field, cases[i].field);
        ck_assert_uint_gt(strlen(err.message), 10);
    }
}
END_TEST

START_TEST(file_errors)
{
    struct cf_config c;
    struct cf_error err = {0};
    write_conf("port = 8080\nthis line has no equals sign\n");
    char *argv[] = {S("--config"), conf_path};
    ck_assert_int_eq(config_load(&c, 2, argv, NULL, &err), CF_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, ":2:"));
    unlink(conf_path);

    char *missing[] = {S("--config"), S("/nonexistent/x.conf")};
    ck_assert_int_eq(config_load(&c, 2, missing, NULL, &err), CF_ECONFIG);
    ck_assert_str_eq(err.field, "config");

    char *dangling[] = {S("--port")};
    ck_assert_int_eq(config_load(&c, 1, dangling, NULL, &err), CF_ECONFIG);
    ck_assert_str_eq(err.field, "port");

    char *stray[] = {S("serve")};
    ck_assert_int_eq(config_load(&c, 1, stray, NULL, &err), CF_ECONFIG);
}
END_TEST

START_TEST(long_values_rejected_not_truncated)
{
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char *argv[] = {S("--admin-token"), big};
    struct cf_config c;
    struct cf_error err = {0};
    ck_assert_int_eq(config_load(&c, 2, argv, NULL, &err), CF_ECONFIG);
    ck_assert_str_eq(err.field, "admin_token");
}
END_TEST

/* The chat routes' secrets: from the file and the environment, never echoed in an error. */
START_TEST(chat_secrets)
{
    write_conf("slack_signing_secret = 8f742231b10e8888abcd99yyyzzz85a5\n"
               "teams_hmac_secret = vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=\n");
    char *argv[] = {S("--config"), conf_path};
    char *envp[] = {S("COMPUTEFIT_MATTERMOST_TOKEN=xr3j5x3p4pfn8e7bnutjjqffqa"), NULL};
    struct cf_config c;
    struct cf_error err = {0};
    ck_assert_int_eq(config_load(&c, 2, argv, envp, &err), 0);
    ck_assert_str_eq(c.slack_signing_secret, "8f742231b10e8888abcd99yyyzzz85a5");
    ck_assert_str_eq(c.mattermost_token, "xr3j5x3p4pfn8e7bnutjjqffqa");
    ck_assert_str_eq(c.teams_hmac_secret, "vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=");
    unlink(conf_path);

    /* Off by default. */
    config_defaults(&c);
    ck_assert_str_eq(c.slack_signing_secret, "");
    ck_assert_str_eq(c.mattermost_token, "");
    ck_assert_str_eq(c.teams_hmac_secret, "");

    /* A Teams token that is not base64 is refused at start, without repeating it. */
    const char *bad[] = {"not base64!", "abc", "ab=c", "a===", "QUJD\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *env[] = {NULL, NULL};
        char var[128];
        snprintf(var, sizeof(var), "COMPUTEFIT_TEAMS_HMAC_SECRET=%s", bad[i]);
        env[0] = var;
        memset(&err, 0, sizeof(err));
        ck_assert_int_eq(config_load(&c, 0, NULL, env, &err), CF_ECONFIG);
        ck_assert_str_eq(err.field, "teams_hmac_secret");
        ck_assert_msg(!strstr(err.message, bad[i]), "the secret is echoed: %s", err.message);
    }
    const char *good[] = {"", "QUJD", "QUI=", "QQ==", "+/+/"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_int_eq(config_set(&c, "teams_hmac_secret", good[i], NULL, &err), 0);
    /* Nor is a secret that is too long. */
    char big[300];
    memset(big, 'k', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ck_assert_int_eq(config_set(&c, "slack_signing_secret", big, NULL, &err), CF_ECONFIG);
    ck_assert_ptr_null(strstr(err.message, "kkkkkkkk"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, defaults_are_valid);
    tcase_add_test(tc, bundled_file_loads);
    tcase_add_test(tc, precedence_file_env_flag);
    tcase_add_test(tc, flag_forms);
    tcase_add_test(tc, config_from_env);
    tcase_add_test(tc, ec2_spot_advisor_url_forms);
    tcase_add_test(tc, rates_url_forms);
    tcase_add_test(tc, invalid_values_name_their_key);
    tcase_add_test(tc, file_errors);
    tcase_add_test(tc, long_values_rejected_not_truncated);
    tcase_add_test(tc, chat_secrets);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
