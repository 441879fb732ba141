/*
 * test_faults.c - a faulty upstream for the refresher, seen through the HTTP routes.
 *
 * Each entry of `cases` is one upstream fault: a transport fault (a stall, a reset, a lying
 * Content-Length, bad chunking, bad gzip, 50 MB of whitespace) or bad content (a price that is
 * not a price, duplicate keys) in one of the files the refresher reads: an offer's region
 * index, a region's Lambda, ECS or EC2 offer file, the Fargate Spot feed or the EC2 Spot
 * Advisor feed. For each, in its
 * own forked process (a Check loop test with a checked fixture):
 *  - the fixture starts the upstream with good files, the server, and a refresher that has
 *    already refreshed every offer from them once (the last good rates are live rates);
 *  - the fault is armed: the region index points at a new version whose file carries the fault
 *    (or the index or the feed itself carries it), and the offer is refreshed once more;
 *  - (a) the table in use is the same object as before (pointer and generation), so the last
 *    good rates keep serving, unchanged; (b) GET /pricing shows the offer's last error (and the
 *    region's, or the Spot feed's) with a message naming the problem, and GET /metrics shows
 *    the offer's failed counter one higher; (c) the sanitizer builds find no leak; (d) the
 *    refresh returned within the configured fetch timeout (one attempt: fetch_retries is 0)
 *    plus 10 s for a loaded machine, well before a 20 s stall would have ended, and for the
 *    EC2 stream the process's peak memory grew by far less than the 50 MB it was sent;
 *  - then the upstream is healed and the next refresh must swap in its rates: nothing the fault
 *    left behind (a connection with excess bytes, the fetcher's handle) is poisoned.
 * Every exchange with the server is also validated against the OpenAPI contract.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/gpu_specs.h"
#include "computefit/metrics.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/router.h"
#include "computefit/server.h"
#include "httpclient.h"
#include "testutil.h"
#include "served.h"
#include "upstream.h"

#define VERSION_GOOD "20261101000000"
#define VERSION_BAD  "20261201000000"
#define SPOT_FEED    "/fargate-spot-prices.json"
#define ADVISOR_FEED "/spot-advisor-data.json"
#define MB           (1024L * 1024)

static const char *const offer_codes[CF_OFFER_COUNT] = {"AWSLambda", "AmazonECS", "AmazonEC2"};

/* The genuine files served as the good versions (tests/fixtures/SOURCES-offer.md). */
static const char *const good_files[CF_OFFER_COUNT] = {
    "tests/fixtures/concurrencylabs-awslambda__index.json",
    "tests/fixtures/opencost-ecs__ecs-pricing-us-east-1.json",
    "tests/fixtures/opencost-ec2__pricing-us-east-1.json",
};

/* A Fargate Spot feed in AWS's format with us-east-1's x86 rates. */
static const char spot_feed[] =
    "{\"metadata\": {\"format:version\": \"1.0\", \"source:version\": \"20261101000000\"},\n"
    " \"prices\": [\n"
    "  {\"id\": \"a\", \"unit\": \"vCPU-Hours\", \"price\": {\"USD\": \"0.01458\"},\n"
    "   \"attributes\": {\"aws:region\": \"us-east-1\", \"aws:label\": \"per vCPU per hour\"}},\n"
    "  {\"id\": \"b\", \"unit\": \"GB-Hours\", \"price\": {\"USD\": \"0.00160\"},\n"
    "   \"attributes\": {\"aws:region\": \"us-east-1\", \"aws:label\": \"per GB per hour\"}}\n"
    " ]}\n";

/* An EC2 Spot Advisor feed in AWS's layout with advice on us-east-1's p4d.24xlarge (the one
 * type of the good EC2 file), at a saving no genuine file has. */
static const char advisor_feed[] =
    "{\"ranges\": [{\"index\": 0, \"label\": \"<5%\", \"dots\": 0, \"max\": 5},\n"
    "  {\"index\": 1, \"label\": \"5-10%\", \"dots\": 1, \"max\": 11}],\n"
    " \"spot_advisor\": {\"us-east-1\": {\"Linux\": {\"p4d.24xlarge\": {\"s\": 61.25, \"r\": 1}},\n"
    "  \"Windows\": {\"p4d.24xlarge\": {\"s\": 12, \"r\": 0}}}}}\n";

/* Where a fault goes. */
enum target {
    T_FILE,    /* the region's offer file, at a new version the index now points at */
    T_INDEX,   /* the offer's region_index.json */
    T_SPOT,    /* the Fargate Spot feed (offer must be CF_OFFER_FARGATE) */
    T_ADVISOR, /* the EC2 Spot Advisor feed (offer must be CF_OFFER_EC2) */
};

/* A body generated on the fly, never stored. */
enum gen { GEN_NONE, GEN_WHITESPACE_SIZED, GEN_WHITESPACE_CHUNKED };

struct fault_case {
    const char *name;
    enum cf_offer offer;
    enum target target;
    struct upstream_fault fault; /* a transport fault (zero: none) */
    const char *find;            /* the good body with every `find` ... */
    const char *replace;         /* ... replaced by `replace` (NULL: the good body) */
    enum gen gen;
    const char *message; /* a part of the error shown in /pricing */
    long timeout_s;      /* fetch_timeout (0: 5 s) */
    const char *quoted;  /* another part (NULL: none): the bad value, quoted */
};

/* Raw responses: status line, headers and a body with wrong framing. */
#define HEAD_200 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
#define BODY_START                                                                                 \
    "{\"formatVersion\" : \"v1.0\", \"products\" : {                                        "      \
    "                                                                                        "     \
    "                                                                                        "
#define RAW(s) .raw = (s), .raw_len = sizeof(s) - 1
/* A Content-Length of 2000 for a body of some 250 bytes, then a FIN or an RST. */
#define RAW_CUT HEAD_200 "Content-Length: 2000\r\n\r\n" BODY_START
/* A Content-Length of 40 for a longer body: the client reads 40 bytes of JSON cut short. */
#define RAW_LONGER HEAD_200 "Content-Length: 40\r\n\r\n" BODY_START "}}"
/* A chunked body whose second chunk size is not hexadecimal. */
#define RAW_BAD_CHUNK                                                                              \
    HEAD_200 "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"products\": {  \r\nzz\r\nxx\r\n0\r\n\r\n"
/* A chunked body cut off inside a chunk by a clean close. */
#define RAW_CHUNK_CUT HEAD_200 "Transfer-Encoding: chunked\r\n\r\n400\r\n{\"products\": {"
/* No length at all: the body ends where the connection closes (HTTP/1.0 style), mid-JSON. */
#define RAW_CLOSE_DELIMITED HEAD_200 "Connection: close\r\n\r\n{\"formatVersion\" : \"v1.0\", \"pro"
/* Content-Encoding: gzip on a gzip header followed by garbage, and on a stream cut short. */
#define RAW_GZIP_GARBAGE                                                                           \
    HEAD_200 "Content-Encoding: gzip\r\nContent-Length: 24\r\n\r\n"                                \
             "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"                                            \
             "garbage!garbag"
#define RAW_GZIP_TRUNCATED                                                                         \
    HEAD_200 "Content-Encoding: gzip\r\nContent-Length: 18\r\n\r\n"                                \
             "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"                                            \
             "\x01\x10\x00\xef\xff{\"pr"

/* The prices that are not prices. Each offer type's file gets every one of them. */
/* clang-format off */
#define BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, VALUE, MSG)                                 \
    {#OFFER " price \"" VALUE "\"", OFFER, TARGET, {0}, .find = FIND,                             \
     .replace = PREFIX VALUE SUFFIX, .message = MSG, .quoted = "\"" VALUE "\""}
#define BAD_PRICES(OFFER, TARGET, FIND, PREFIX, SUFFIX, MSG)                                       \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, "-1", MSG),                                     \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, "NaN", MSG),                                    \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, "1e400", MSG),                                  \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, "inf", MSG),                                    \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, "", MSG),                                       \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, "0x10", MSG),                                   \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, "1,5", MSG),                                    \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, " 0.1", MSG),                                   \
    BAD_PRICE(OFFER, TARGET, FIND, PREFIX, SUFFIX, "0.0000166667abc", MSG)
/* clang-format on */

#define LAMBDA_PRICE     "\"USD\" : \"0.0000166667\""
#define ECS_PRICE        "\"USD\" : \"0.0404800000\""
#define EC2_PRICE        "\"USD\": \"32.7726000000\""
#define SPOT_PRICE       "\"USD\": \"0.01458\""
#define EC2_VERSION      "\"version\": \"20240528203522\""
#define EC2_TERM         "\"H7NGEAC6UEHNTKSJ\": {\n        \"H7NGEAC6UEHNTKSJ.JRTCKXETXF\""
#define SPOT_VERSION     "\"source:version\": \"20261101000000\""
#define SPOT_VERSION_NEW "\"source:version\": \"20261102000000\""
#define ADVISOR_P4D      "\"s\": 61.25, \"r\": 1"
#define INDEX_URL(code)                                                                            \
    "\"currentVersionUrl\" : \"/offers/v1.0/aws/" code "/" VERSION_BAD "/us-east-1/index.json\""

/* clang-format off */
static const struct fault_case cases[] = {
    /* Stalls longer than the fetch timeout: before the headers, and in the middle of the body. */
    {"stall before headers", CF_OFFER_LAMBDA, T_FILE, {.stall_before_ms = 20000},
     .message = "timed out after 1 s", .timeout_s = 1},
    {"stall mid-body", CF_OFFER_FARGATE, T_FILE, {.stall_ms = 20000, .stall_after_bytes = 3000},
     .message = "timed out after 1 s with 3000 bytes", .timeout_s = 1},
    {"ec2 stall mid-body", CF_OFFER_EC2, T_FILE, {.stall_ms = 20000, .stall_after_bytes = 3000},
     .message = "timed out after 1 s with 3000 bytes", .timeout_s = 1},
    {"index stall before headers", CF_OFFER_EC2, T_INDEX, {.stall_before_ms = 20000},
     .message = "timed out after 1 s", .timeout_s = 1},
    {"spot stall mid-body", CF_OFFER_FARGATE, T_SPOT, {.stall_ms = 20000, .stall_after_bytes = 100},
     .find = SPOT_VERSION, .replace = SPOT_VERSION_NEW, /* a new ETag: no 304 */
     .message = "timed out after 1 s with 100 bytes", .timeout_s = 1},
    /* A reset (RST) and a clean close (FIN) in the middle of the body. */
    {"reset mid-body", CF_OFFER_LAMBDA, T_FILE, {RAW(RAW_CUT), .reset = true},
     .message = "Connection reset by peer"},
    {"ec2 reset mid-body", CF_OFFER_EC2, T_FILE, {RAW(RAW_CUT), .reset = true},
     .message = "Connection reset by peer"},
    {"clean close mid-body", CF_OFFER_FARGATE, T_FILE, {RAW(RAW_CUT)},
     .message = "the transfer was cut short after"},
    {"ec2 clean close mid-body", CF_OFFER_EC2, T_FILE, {RAW(RAW_CUT)},
     .message = "the transfer was cut short after"},
    {"clean close mid-chunk", CF_OFFER_LAMBDA, T_FILE, {RAW(RAW_CHUNK_CUT)},
     .message = "the transfer was cut short after"},
    {"close-delimited body cut", CF_OFFER_LAMBDA, T_FILE, {RAW(RAW_CLOSE_DELIMITED)},
     .message = "the AWSLambda offer file is not JSON"},
    {"ec2 close-delimited body cut", CF_OFFER_EC2, T_FILE, {RAW(RAW_CLOSE_DELIMITED)},
     .message = "EC2 offer file: the JSON document is truncated"},
    /* Wrong lengths. */
    {"Content-Length larger than body", CF_OFFER_FARGATE, T_FILE,
     {.truncate = true, .truncate_after = 5000}, .message = "cut short after 5000 of 16212 bytes"},
    {"Content-Length smaller than body", CF_OFFER_LAMBDA, T_FILE, {RAW(RAW_LONGER)},
     .message = "the AWSLambda offer file is not JSON"},
    {"ec2 Content-Length smaller than body", CF_OFFER_EC2, T_FILE, {RAW(RAW_LONGER)},
     .message = "EC2 offer file: the JSON document is truncated"},
    {"bad chunk size", CF_OFFER_FARGATE, T_FILE, {RAW(RAW_BAD_CHUNK)},
     .message = "hexadecimal sequence in chunked-encoding"},
    {"ec2 bad chunk size", CF_OFFER_EC2, T_FILE, {RAW(RAW_BAD_CHUNK)},
     .message = "hexadecimal sequence in chunked-encoding"},
    {"index bad chunk size", CF_OFFER_LAMBDA, T_INDEX, {RAW(RAW_BAD_CHUNK)},
     .message = "hexadecimal sequence in chunked-encoding"},
    /* gzip that does not decompress. A gzip stream cut short where the Content-Length ends is
     * delivered by libcurl 7.88 without an error: the parser then refuses what it got. */
    {"gzip garbage", CF_OFFER_LAMBDA, T_FILE, {RAW(RAW_GZIP_GARBAGE)},
     .message = "content unencoding: invalid block type"},
    {"gzip truncated", CF_OFFER_FARGATE, T_FILE, {RAW(RAW_GZIP_TRUNCATED)},
     .message = "the AmazonECS offer file is not JSON"},
    {"ec2 gzip garbage", CF_OFFER_EC2, T_FILE, {RAW(RAW_GZIP_GARBAGE)},
     .message = "content unencoding: invalid block type"},
    {"ec2 gzip truncated", CF_OFFER_EC2, T_FILE, {RAW(RAW_GZIP_TRUNCATED)},
     .message = "EC2 offer file: the JSON document is truncated"},
    {"spot gzip garbage", CF_OFFER_FARGATE, T_SPOT, {RAW(RAW_GZIP_GARBAGE)},
     .message = "content unencoding: invalid block type"},
    /* 50 MB of whitespace: over fetch_max_bytes for the files held in memory (declared, or
     * found while streaming); an error without holding it for the streamed EC2 file. */
    {"50 MB whitespace, sized", CF_OFFER_LAMBDA, T_FILE, {0}, .gen = GEN_WHITESPACE_SIZED,
     .message = "Content-Length 52428800 exceeds the 16777216-byte limit"},
    {"50 MB whitespace, chunked", CF_OFFER_FARGATE, T_FILE, {0}, .gen = GEN_WHITESPACE_CHUNKED,
     .message = "the body exceeded the 16777216-byte limit"},
    {"index 50 MB whitespace", CF_OFFER_FARGATE, T_INDEX, {0}, .gen = GEN_WHITESPACE_CHUNKED,
     .message = "the body exceeded the 4194304-byte limit"},
    {"spot 50 MB whitespace", CF_OFFER_FARGATE, T_SPOT, {0}, .gen = GEN_WHITESPACE_CHUNKED,
     .message = "the body exceeded the 16777216-byte limit"},
    {"ec2 50 MB whitespace", CF_OFFER_EC2, T_FILE, {0}, .gen = GEN_WHITESPACE_CHUNKED,
     .message = "EC2 offer file: the JSON document is empty (at byte 52428800)", .timeout_s = 60},
    /* Duplicate keys: refused by every parser (jansson's JSON_REJECT_DUPLICATES; for the
     * streamed EC2 file, the keys that decide a price: see src/pricing/offer_ec2.c). */
    {"lambda duplicate products", CF_OFFER_LAMBDA, T_FILE, {0},
     .find = "\"products\" : {", .replace = "\"products\" : {}, \"products\" : {",
     .message = "duplicate object key near '\"products\"'"},
    {"ecs duplicate SKU", CF_OFFER_FARGATE, T_FILE, {0}, .find = "\"products\" : {",
     .replace = "\"products\" : {\"DUPLICATESKU0001\": {}, \"DUPLICATESKU0001\": {\"sku\": \"x\"}, ",
     .message = "duplicate object key near '\"DUPLICATESKU0001\"'"},
    {"ec2 duplicate products", CF_OFFER_EC2, T_FILE, {0},
     .find = "\"terms\": {", .replace = "\"products\": {}, \"terms\": {",
     .message = "the EC2 offer file has \"products\" twice"},
    {"ec2 duplicate terms", CF_OFFER_EC2, T_FILE, {0},
     .find = "\"products\": {", .replace = "\"terms\": {}, \"products\": {",
     .message = "the EC2 offer file has \"terms\" twice"},
    {"ec2 duplicate version", CF_OFFER_EC2, T_FILE, {0},
     .find = EC2_VERSION, .replace = EC2_VERSION ", \"version\": \"20990101000000\"",
     .message = "the EC2 offer file has \"version\" twice"},
    {"ec2 same SKU twice in terms, another price", CF_OFFER_EC2, T_FILE, {0},
     .find = EC2_TERM,
     .replace = "\"H7NGEAC6UEHNTKSJ\": {\"H7NGEAC6UEHNTKSJ.JRTCKXETXF\": {\"priceDimensions\": "
                "{\"H7NGEAC6UEHNTKSJ.JRTCKXETXF.6YS6EN2CT7\": {\"unit\": \"Hrs\", \"beginRange\": "
                "\"0\", \"endRange\": \"Inf\", \"pricePerUnit\": {\"USD\": \"1.0000000000\"}}}}},\n"
                EC2_TERM,
     .message = "SKU H7NGEAC6UEHNTKSJ is in terms.OnDemand twice"},
    {"ec2 same SKU twice in products", CF_OFFER_EC2, T_FILE, {0},
     .find = "\"YSXJGN78QTXNVGDQ\": {", .replace = "\"H7NGEAC6UEHNTKSJ\": {",
     .message = "SKU H7NGEAC6UEHNTKSJ is in products twice"},
    {"ec2 duplicate attribute", CF_OFFER_EC2, T_FILE, {0},
     .find = "\"instanceType\": \"p4d.24xlarge\",",
     .replace = "\"instanceType\": \"p4d.24xlarge\", \"instanceType\": \"g5.xlarge\",",
     .message = "duplicate object key near '\"instanceType\"'"},
    {"spot duplicate price", CF_OFFER_FARGATE, T_SPOT, {0}, .find = "{\"id\": \"b\"",
     .replace = "{\"id\": \"a2\", \"unit\": \"vCPU-Hours\", \"price\": {\"USD\": \"0.02\"}, "
                "\"attributes\": {\"aws:region\": \"us-east-1\", \"aws:label\": \"per vCPU per "
                "hour\"}},\n  {\"id\": \"b\"",
     .message = "two x86_64 vCPU-hour prices (0.01458 and 0.02)"},
    {"spot duplicate key", CF_OFFER_FARGATE, T_SPOT, {0},
     .find = "\"prices\": [", .replace = "\"prices\": [], \"prices\": [",
     .message = "duplicate object key near '\"prices\"'"},
    /* The Spot Advisor feed: transport faults, a duplicate key, advice that is not advice. */
    {"advisor stall mid-body", CF_OFFER_EC2, T_ADVISOR, {.stall_ms = 20000, .stall_after_bytes = 100},
     .find = ADVISOR_P4D, .replace = "\"s\": 61.5, \"r\": 1", /* a new ETag: no 304 */
     .message = "timed out after 1 s with 100 bytes", .timeout_s = 1},
    {"advisor gzip garbage", CF_OFFER_EC2, T_ADVISOR, {RAW(RAW_GZIP_GARBAGE)},
     .message = "content unencoding: invalid block type"},
    {"advisor 50 MB whitespace", CF_OFFER_EC2, T_ADVISOR, {0}, .gen = GEN_WHITESPACE_CHUNKED,
     .message = "the body exceeded the 16777216-byte limit"},
    {"advisor duplicate key", CF_OFFER_EC2, T_ADVISOR, {0},
     .find = "\"spot_advisor\": {", .replace = "\"spot_advisor\": {}, \"spot_advisor\": {",
     .message = "duplicate object key near '\"spot_advisor\"'"},
    {"advisor saving as a string", CF_OFFER_EC2, T_ADVISOR, {0}, .find = ADVISOR_P4D,
     .replace = "\"s\": \"61.25\", \"r\": 1",
     .message = "us-east-1 p4d.24xlarge has a string for its saving \"s\", not a number"},
    {"advisor saving of 100", CF_OFFER_EC2, T_ADVISOR, {0}, .find = ADVISOR_P4D,
     .replace = "\"s\": 100, \"r\": 1", .message = "has the saving 100%: Spot is never free"},
    {"advisor band out of range", CF_OFFER_EC2, T_ADVISOR, {0}, .find = ADVISOR_P4D,
     .replace = "\"s\": 61.25, \"r\": 2",
     .message = "p4d.24xlarge has no interruption band \"r\" from 0 to 1"},
    {"advisor type name too long", CF_OFFER_EC2, T_ADVISOR, {0}, .find = "\"p4d.24xlarge\": {\"s\"",
     .replace = "\"p4d.a-type-name-far-too-long-for-the-table\": {\"s\": 5, \"r\": 0}, "
                "\"p4d.24xlarge\": {\"s\"",
     .message = "that is not a type name"},
    {"index duplicate region", CF_OFFER_LAMBDA, T_INDEX, {0}, .find = "\"regions\" : {",
     .replace = "\"regions\" : {\"us-east-1\": {\"currentVersionUrl\": \"/x.json\"}, ",
     .message = "duplicate object key near '\"us-east-1\"'"},
    /* Prices that are not prices, in each offer type. */
    BAD_PRICES(CF_OFFER_LAMBDA, T_FILE, LAMBDA_PRICE, "\"USD\" : \"", "\"",
               "which is not a non-negative decimal number"),
    BAD_PRICES(CF_OFFER_FARGATE, T_FILE, ECS_PRICE, "\"USD\" : \"", "\"",
               "which is not a non-negative decimal number"),
    BAD_PRICES(CF_OFFER_EC2, T_FILE, EC2_PRICE, "\"USD\": \"", "\"",
               "the on-demand term of p4d.24xlarge (SKU H7NGEAC6UEHNTKSJ) does not parse"),
    BAD_PRICES(CF_OFFER_FARGATE, T_SPOT, SPOT_PRICE, "\"USD\": \"", "\"",
               "which is not a decimal string above 0"),
    /* A long non-ASCII price, cut inside a UTF-8 sequence where the message quotes it. */
    {"lambda price of euro signs", CF_OFFER_LAMBDA, T_FILE, {0}, .find = LAMBDA_PRICE,
     .replace = "\"USD\" : \"\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\"",
     .message = "which is not a non-negative decimal number",
     .quoted = "\"\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac??\", which"},
    /* ... and as the URL of a region's current version in the region index. */
    BAD_PRICES(CF_OFFER_LAMBDA, T_INDEX, INDEX_URL("AWSLambda"), "\"currentVersionUrl\" : \"",
               "\"", "the region index gives us-east-1 an unusable URL"),
    BAD_PRICES(CF_OFFER_EC2, T_INDEX, INDEX_URL("AmazonEC2"), "\"currentVersionUrl\" : \"",
               "\"", "the region index gives us-east-1 an unusable URL"),
};
/* clang-format on */

#define N_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

static struct upstream *up;
static struct cf_config cfg;
static struct cf_app app;
static struct cf_server *srv;
static struct gpu_specs *specs;
static struct refresher *rf;
static unsigned port;

static void index_path(enum cf_offer o, char *buf, size_t cap)
{
    snprintf(buf, cap, "/offers/v1.0/aws/%s/current/region_index.json", offer_codes[o]);
}

static void file_path(enum cf_offer o, const char *version, char *buf, size_t cap)
{
    snprintf(buf, cap, "/offers/v1.0/aws/%s/%s/us-east-1/index.json", offer_codes[o], version);
}

/* The region index of offer o with us-east-1 at `version`, in AWS's layout. Returns a new
 * malloc()ed document. */
static char *index_doc(enum cf_offer o, const char *version, size_t *ret_len)
{
    char file[256];
    file_path(o, version, file, sizeof(file));
    char *doc = NULL;
    int n = asprintf(&doc,
                     "{\n  \"formatVersion\" : \"v1.0\",\n  \"publicationDate\" : "
                     "\"2026-11-01T00:00:00Z\",\n  \"regions\" : {\n    \"us-east-1\" : {\n"
                     "      \"regionCode\" : \"us-east-1\",\n      \"currentVersionUrl\" : \"%s\"\n"
                     "    }\n  }\n}\n",
                     file);
    ck_assert_int_gt(n, 0);
    *ret_len = (size_t)n;
    return doc;
}

static void put_index(enum cf_offer o, const char *version)
{
    char path[256];
    size_t len;
    char *doc = index_doc(o, version, &len);
    index_path(o, path, sizeof(path));
    ck_assert_int_eq(upstream_put(up, path, doc, len, "application/json"), 0);
    free(doc);
}

/* Returns a copy of `text` with every `find` replaced by `replace`; fails the test when there
 * is none (a case that changes nothing would prove nothing). */
static char *replace_all(const char *text, const char *find, const char *replace, size_t *ret_len)
{
    size_t fl = strlen(find), rl = strlen(replace), hits = 0;
    for (const char *p = strstr(text, find); p; p = strstr(p + fl, find))
        hits++;
    ck_assert_msg(hits > 0, "\"%s\" is not in the good body", find);
    size_t len = strlen(text) + hits * rl;
    char *out = malloc(len + 1);
    ck_assert_ptr_nonnull(out);
    char *w = out;
    const char *p = text;
    for (const char *h = strstr(p, find); h; h = strstr(p, find)) {
        memcpy(w, p, (size_t)(h - p));
        w += h - p;
        memcpy(w, replace, rl);
        w += rl;
        p = h + fl;
    }
    size_t rest = strlen(p);
    memcpy(w, p, rest + 1);
    *ret_len = (size_t)(w - out) + rest;
    return out;
}

/* 50 MB of whitespace, generated chunk by chunk. */
struct ws_state {
    long left;
};

static void *ws_open(void *ctx)
{
    (void)ctx;
    struct ws_state *s = malloc(sizeof(*s));
    if (s)
        s->left = 50 * MB;
    return s;
}

static long ws_read(void *state, char *buf, size_t max)
{
    struct ws_state *s = state;
    long n = s->left < (long)max ? s->left : (long)max;
    static const char pattern[] = " \n\t\r";
    for (long i = 0; i < n; i++)
        buf[i] = pattern[i % 4];
    s->left -= n;
    return n;
}

static void ws_close(void *state)
{
    free(state);
}

static void setup(void)
{
    ck_assert_int_eq(upstream_start(NULL, &up), 0);
    config_defaults(&cfg);
    cfg.port = 0;
    strcpy(cfg.bind, "127.0.0.1");
    cfg.threads = 2;
    upstream_url(up, "", cfg.pricing_url, sizeof(cfg.pricing_url));
    upstream_url(up, SPOT_FEED, cfg.fargate_spot_url, sizeof(cfg.fargate_spot_url));
    upstream_url(up, ADVISOR_FEED, cfg.ec2_spot_advisor_url, sizeof(cfg.ec2_spot_advisor_url));
    snprintf(cfg.regions, sizeof(cfg.regions), "us-east-1");
    cfg.state_dir[0] = '\0'; /* no state file: nothing outlives the test */
    cfg.fetch_retries = 0;   /* one attempt: the time bound is one fetch timeout */
    cfg.fetch_connect_timeout_s = 2;
    cfg.fetch_timeout_s = 5;

    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!cf_offer_required((enum cf_offer)o))
            continue; /* Savings Plans: test_offer_savings.c */
        size_t len;
        char *body = cf_test_read(good_files[o], &len);
        char path[256];
        file_path((enum cf_offer)o, VERSION_GOOD, path, sizeof(path));
        ck_assert_int_eq(upstream_put(up, path, body, len, "application/json"), 0);
        free(body);
        put_index((enum cf_offer)o, VERSION_GOOD);
    }
    ck_assert_int_eq(upstream_put(up, SPOT_FEED, spot_feed, sizeof(spot_feed) - 1, NULL), 0);
    ck_assert_int_eq(upstream_put(up, ADVISOR_FEED, advisor_feed, sizeof(advisor_feed) - 1, NULL),
                     0);

    specs = served_gpu_specs();
    served_app_init(&app, &cfg);
}

/* Creates the refresher with the settings in cfg and refreshes every offer from the good
 * files: the rates in use are then live rates, the last good ones. */
static void start(long timeout_s)
{
    struct cf_error err = {0};
    cfg.fetch_timeout_s = timeout_s;
    ck_assert_msg(refresher_new(&cfg, app.cache, specs, NULL, &rf, &err) == 0, "%s", err.message);
    app.refresher = rf;
    ck_assert_int_eq(server_start(&app, app_routes, app_routes_count, &srv, &err), 0);
    port = server_port(srv);
    unsigned all = (1u << CF_OFFER_LAMBDA) | (1u << CF_OFFER_FARGATE) | (1u << CF_OFFER_EC2);
    ck_assert_msg(refresher_run_once(rf, all, &err) == 0, "%s", err.message);
    struct rates *t = pricing_cache_acquire(app.cache);
    const struct region_rates *rr = rates_region(t, "us-east-1");
    ck_assert_ptr_nonnull(rr);
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        if (cf_offer_required((enum cf_offer)o))
            ck_assert_int_eq(rr->info[o].source, CF_SOURCE_LIVE);
    ck_assert_int_eq(rr->fargate_spot_info.source, CF_SOURCE_LIVE);
    ck_assert_int_eq(rr->ec2_spot_info.source, CF_SOURCE_LIVE);
    ck_assert_double_eq(rates_ec2_spot(rr, "p4d.24xlarge")->savings_pct, 61.25);
    rates_unref(t);
}

static void teardown(void)
{
    server_stop(srv, 1000);
    srv = NULL;
    refresher_free(rf);
    rf = NULL;
    app.refresher = NULL;
    served_app_free(&app);
    gpu_specs_free(specs);
    upstream_stop(up);
}

/* The good body of what `c` targets; a new malloc()ed buffer. */
static char *good_body(const struct fault_case *c, size_t *ret_len)
{
    if (c->target == T_SPOT) {
        *ret_len = sizeof(spot_feed) - 1;
        return strdup(spot_feed);
    }
    if (c->target == T_ADVISOR) {
        *ret_len = sizeof(advisor_feed) - 1;
        return strdup(advisor_feed);
    }
    if (c->target == T_INDEX)
        return index_doc(c->offer, VERSION_BAD, ret_len);
    return cf_test_read(good_files[c->offer], ret_len);
}

/* Arms the fault of `c` and returns the upstream path that carries it. */
static void arm(const struct fault_case *c, char *path, size_t cap)
{
    if (c->target == T_SPOT)
        snprintf(path, cap, "%s", SPOT_FEED);
    else if (c->target == T_ADVISOR)
        snprintf(path, cap, "%s", ADVISOR_FEED);
    else if (c->target == T_INDEX)
        index_path(c->offer, path, cap);
    else
        file_path(c->offer, VERSION_BAD, path, cap);

    if (c->gen != GEN_NONE) {
        struct upstream_generator g = {ws_open, ws_read, ws_close, NULL};
        ck_assert_int_eq(
            upstream_put_generated(up, path, &g, c->gen == GEN_WHITESPACE_SIZED ? 50 * MB : -1), 0);
    } else {
        size_t len;
        char *body = good_body(c, &len);
        if (c->find) {
            char *changed = replace_all(body, c->find, c->replace, &len);
            free(body);
            body = changed;
        }
        ck_assert_int_eq(upstream_put(up, path, body, len, "application/json"), 0);
        free(body);
    }
    if (c->fault.raw || c->fault.stall_before_ms || c->fault.stall_ms || c->fault.truncate)
        upstream_set_fault(up, path, &c->fault);
    if (c->target == T_FILE)
        put_index(c->offer, VERSION_BAD);
}

/* Clears the fault of `c` at `path` and serves good files again: the next refresh must
 * succeed, so nothing the fault left behind (a connection, the fetcher's handle, a half-parsed
 * stream) is poisoned. */
static void heal(const struct fault_case *c, const char *path)
{
    upstream_set_fault(up, path, NULL);
    size_t len;
    char *body;
    char file[256];
    if (c->target == T_SPOT) {
        body = replace_all(spot_feed, SPOT_VERSION, "\"source:version\": \"20261103000000\"", &len);
    } else if (c->target == T_ADVISOR) {
        body = replace_all(advisor_feed, ADVISOR_P4D, "\"s\": 62.75, \"r\": 0", &len);
    } else {
        body = cf_test_read(good_files[c->offer], &len);
        file_path(c->offer, VERSION_BAD, file, sizeof(file));
        path = file;
        if (c->target == T_INDEX)
            put_index(c->offer, VERSION_BAD);
    }
    ck_assert_int_eq(upstream_put(up, path, body, len, "application/json"), 0);
    free(body);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads `name`'s value from the Prometheus text in `body`; fails the test when it is absent. */
static double metric(const char *body, const char *name)
{
    const char *p = strstr(body, name);
    ck_assert_msg(p != NULL, "no %s in /metrics", name);
    return strtod(p + strlen(name), NULL);
}

static double failed_metric(enum cf_offer o)
{
    struct http_result r = http_do(NULL, "GET", port, "/metrics", NULL, NULL, 0);
    ck_assert_int_eq(r.status, 200);
    char name[128];
    snprintf(name, sizeof(name),
             "computefit_refresh_outcomes_total{offer=\"%s\",outcome=\"failed\"}",
             cf_offer_name(o));
    double v = metric(r.body, name);
    http_result_free(&r);
    return v;
}

START_TEST(fault_keeps_the_last_good_rates_and_shows_the_error)
{
    const struct fault_case *c = &cases[_i];
    long timeout_s = c->timeout_s ? c->timeout_s : 5;
    start(timeout_s);
    double failed_before = failed_metric(c->offer);
    struct rates *before = pricing_cache_acquire(app.cache);
    uint64_t gen = pricing_cache_generation(app.cache);

    char path[256];
    arm(c, path, sizeof(path));
    long rss_before = cf_test_peak_rss_kb();
    double t0 = now_s();
    struct cf_error err = {0};
    int r = refresher_run_once(rf, 1u << c->offer, &err);
    double took = now_s() - t0;
    long rss_growth_mb = (cf_test_peak_rss_kb() - rss_before) / 1024;
    ck_assert_msg(r != 0, "%s: the refresh succeeded", c->name);
    fprintf(stderr, "# %s: %s (%.2f s)\n", c->name, err.message, took);
    ck_assert_uint_ge(upstream_stats(up, path).requests, 1); /* the fault was met */

    /* (d) bounded: one attempt of at most the fetch timeout, plus a margin for slow builds. */
    ck_assert_msg(took < (double)timeout_s + 10.0, "%s: took %.1f s", c->name, took);
    if (c->gen != GEN_NONE && c->offer == CF_OFFER_EC2 && c->target == T_FILE) {
#if defined(__SANITIZE_ADDRESS__)
        fprintf(stderr, "# ASan build: peak memory growth %ld MB not checked\n", rss_growth_mb);
#else
        ck_assert_msg(rss_growth_mb < 16, "peak memory grew by %ld MB", rss_growth_mb);
#endif
    }

    /* (a) the last good table keeps serving: the same object, not a rebuilt copy. */
    struct rates *after = pricing_cache_acquire(app.cache);
    ck_assert_ptr_eq(before, after);
    ck_assert_uint_eq(pricing_cache_generation(app.cache), gen);
    rates_unref(before);
    rates_unref(after);

    /* (b) the error is in /pricing, naming the problem ... */
    struct http_result res = http_do(NULL, "GET", port, "/pricing", NULL, NULL, 0);
    ck_assert_int_eq(res.status, 200);
    json_t *doc = http_json(&res);
    json_t *offer = json_object_get(json_object_get(doc, "offers"), cf_offer_name(c->offer));
    const char *shown = json_string_value(json_object_get(offer, "last_error"));
    ck_assert_msg(shown != NULL, "%s: no last_error in /pricing", c->name);
    ck_assert_msg(strstr(shown, c->message) != NULL, "%s: \"%s\" does not say \"%s\"", c->name,
                  shown, c->message);
    ck_assert_msg(!c->quoted || strstr(shown, c->quoted), "%s: \"%s\" does not say %s", c->name,
                  shown, c->quoted);
    const json_t *where = c->target == T_SPOT ? json_object_get(offer, "spot")
                          : c->target == T_ADVISOR
                              ? json_object_get(offer, "spot_advisor")
                              : json_object_get(json_object_get(offer, "regions"), "us-east-1");
    if (c->target != T_INDEX) {
        const char *local = json_string_value(json_object_get(where, "last_error"));
        ck_assert_msg(local && strstr(local, c->message), "%s: %s", c->name,
                      local ? local : "(no error)");
    }
    if (c->target == T_FILE)
        ck_assert_str_eq(json_string_value(json_object_get(where, "source")), "live");
    json_decref(doc);
    http_result_free(&res);

    /* ... and in /metrics: one more failed cycle for this offer. */
    ck_assert_double_eq(failed_metric(c->offer), failed_before + 1);

    /* Once the upstream is good again, the next refresh swaps in its rates. */
    heal(c, path);
    ck_assert_msg(refresher_run_once(rf, 1u << c->offer, &err) == 0, "%s: after healing: %s",
                  c->name, err.message);
    ck_assert_uint_eq(pricing_cache_generation(app.cache), gen + 1);
}
END_TEST

/* The figures of a feed served by the upstream reach GET /pricing/{region} through the
 * refresher, and GET /pricing says where they came from: the Spot Advisor feed's saving (61.25,
 * a figure no genuine file has) and band on us-east-1's p4d.24xlarge, and its provenance. */
START_TEST(advisor_figures_reach_pricing)
{
    start(5);
    char url[256];
    upstream_url(up, ADVISOR_FEED, url, sizeof(url));
    struct http_result res = http_do(NULL, "GET", port, "/pricing/us-east-1", NULL, NULL, 0);
    ck_assert_int_eq(res.status, 200);
    json_t *doc = http_json(&res);
    json_t *spot = json_object_get(doc, "ec2_spot");
    ck_assert_uint_eq(json_array_size(json_object_get(spot, "instances")), 1);
    json_t *p4d = json_array_get(json_object_get(spot, "instances"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(p4d, "instance_type")), "p4d.24xlarge");
    ck_assert_double_eq(json_number_value(json_object_get(p4d, "savings_pct")), 61.25);
    ck_assert_int_eq(json_integer_value(json_object_get(p4d, "range")), 1);
    json_t *band = json_array_get(json_object_get(spot, "ranges"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(band, "label")), "5-10%");
    ck_assert_int_eq(json_integer_value(json_object_get(band, "max_pct")), 11);
    json_t *src = json_object_get(json_object_get(doc, "sources"), "ec2_spot");
    ck_assert_str_eq(json_string_value(json_object_get(src, "source")), "live");
    ck_assert_str_eq(json_string_value(json_object_get(src, "origin")), url);
    ck_assert_str_eq(json_string_value(json_object_get(src, "version")), "");
    json_decref(doc);
    http_result_free(&res);

    res = http_do(NULL, "GET", port, "/pricing", NULL, NULL, 0);
    ck_assert_int_eq(res.status, 200);
    doc = http_json(&res);
    json_t *ec2 = json_object_get(json_object_get(doc, "offers"), "ec2");
    json_t *feed = json_object_get(ec2, "spot_advisor");
    ck_assert_str_eq(json_string_value(json_object_get(feed, "url")), url);
    ck_assert_str_eq(json_string_value(json_object_get(feed, "source")), "live");
    ck_assert(json_is_null(json_object_get(feed, "version")));
    ck_assert(json_is_string(json_object_get(feed, "last_success")));
    json_t *region = json_object_get(json_object_get(json_object_get(ec2, "regions"), "us-east-1"),
                                     "spot_advisor");
    ck_assert_str_eq(json_string_value(json_object_get(region, "source")), "live");
    ck_assert_int_eq(json_integer_value(json_object_get(region, "instance_types")), 1);
    /* The Fargate offer has no such feed, nor the EC2 offer Fargate's. */
    json_t *fargate = json_object_get(json_object_get(doc, "offers"), "fargate");
    ck_assert_ptr_null(json_object_get(fargate, "spot_advisor"));
    ck_assert_ptr_null(json_object_get(ec2, "spot"));
    json_decref(doc);
    http_result_free(&res);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("upstream");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, fault_keeps_the_last_good_rates_and_shows_the_error, 0, N_CASES);
    tcase_add_test(tc, advisor_figures_reach_pricing);
    suite_add_tcase(s, tc);
    int rc = cf_test_run(s);
    curl_global_cleanup();
    return rc;
}
