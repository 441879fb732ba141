/*
 * chatops.h - chat commands with no bot to write: Slack's and Mattermost's slash commands and
 * Teams' outgoing webhooks post a workload typed in a chat ("/computefit 30s 1GB 500/day s3")
 * to POST /chatops/{slack,mattermost,teams}, which answers in the platform's own format.
 *
 * Every route checks, in this order: that it is on (404 while its secret is empty); that the
 * request comes from the platform (401), before anything else of it is read (but Mattermost's
 * token, which comes inside the form: its form is decoded first); the body's type (415) and
 * shape (400); then the command. A command that cannot be read, or a workload the
 * core refuses, is answered 200 with a message for the caller alone (Slack and Mattermost show
 * nothing of an error status but "failed"), and so is the usage.
 *
 * The secrets stay in the configuration: they are compared, never copied into a response, an
 * error message or a log line (the access log has the method, path, status and error code).
 */
#ifndef COMPUTEFIT_CHATOPS_H
#define COMPUTEFIT_CHATOPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/error.h"
#include "computefit/http.h"

/* How far a request's time may be from the server's clock, either way: Slack's documented
 * window ("Verifying requests from Slack"), applied to Teams' signed Activity timestamp too. */
#define CHATOPS_MAX_SKEW_S 300

/* The route handlers (app_routes in handlers.c). */
void chatops_slack(const struct http_request *req, const json_t *body, struct http_response *resp);
void chatops_mattermost(const struct http_request *req, const json_t *body,
                        struct http_response *resp);
void chatops_teams(const struct http_request *req, const json_t *body, struct http_response *resp);

/* Checks a Slack request signed with `secret`: `timestamp` (X-Slack-Request-Timestamp, Unix
 * seconds) within CHATOPS_MAX_SKEW_S of `now`, and `signature` (X-Slack-Signature) equal, in
 * constant time, to "v0=" and the lower-case hex of HMAC-SHA256(secret,
 * "v0:{timestamp}:{body}"). Either header may be NULL. Returns 0, or CF_EUNAUTH with a sentence
 * in *reterr (may be NULL) that says which check failed, never a secret or a signature. */
int chatops_slack_verify(const char *secret, const char *timestamp, const char *signature,
                         const char *body, size_t len, int64_t now, struct cf_error *reterr);

/* Checks a Teams request: `authorization` (the Authorization header, may be NULL) must be "HMAC "
 * and the base64 of HMAC-SHA256 over body[0..len) keyed with the base64-decoded `secret_b64`,
 * compared in constant time. Returns 0 or CF_EUNAUTH, as chatops_slack_verify(). */
int chatops_teams_verify(const char *secret_b64, const char *authorization, const char *body,
                         size_t len, struct cf_error *reterr);

/* Compares a token given with the configured one in time that depends on neither's content nor
 * length (their SHA-256 digests are compared with CRYPTO_memcmp). */
bool chatops_token_equal(const char *given, const char *want);

/* Reads the command out of a Teams message's `text`: the leading mentions ("<at>Name</at>")
 * dropped, HTML's entities decoded (&nbsp; &amp; &lt; &gt; &quot; &#39; &apos;). Writes it into
 * out[0..cap) (cut at a character boundary) and the first mention's name, prefixed "@", into
 * name[0..name_cap) ("" without a mention). */
void chatops_teams_text(const char *text, char *out, size_t cap, char *name, size_t name_cap);

#endif
