/*
 * httpclient.c - a small libcurl client for the HTTP tests.
 *
 * When the environment variable CF_CONTRACT_LOG names a file, every exchange is also appended
 * to it as one JSON line ({"method", "path", "query", "status", "content_type", "headers",
 * "body"}), which tests/contract/validate.mjs checks against openapi/openapi.yaml after the
 * suite has run. Test binaries run in parallel and Check forks a process per test, so the file
 * is opened with O_APPEND and each line goes out in a single write(): the kernel appends each
 * write whole, and lines from different processes never interleave.
 */
#include "httpclient.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct sink {
    char *data;
    size_t len;
};

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;
    char *grown = realloc(s->data, s->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + s->len, ptr, n);
    s->data = grown;
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

/* Returns the header block of the final response in `raw` (curl also hands over the headers of
 * interim 1xx responses), as an object of lower-cased names; repeated headers are joined with
 * ", ". New reference, or NULL when out of memory. */
static json_t *final_headers(const char *raw)
{
    const char *start = raw;
    for (const char *p = raw; p && *p;) {
        if (strncmp(p, "HTTP/", 5) == 0)
            start = p;
        const char *end = strstr(p, "\r\n");
        p = end ? end + 2 : NULL;
    }
    json_t *obj = json_object();
    for (const char *line = start; obj && line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        if (colon && strncmp(line, "HTTP/", 5) != 0) {
            char name[128];
            size_t n = (size_t)(colon - line);
            if (n >= sizeof(name))
                n = sizeof(name) - 1;
            for (size_t i = 0; i < n; i++)
                name[i] = (char)tolower((unsigned char)line[i]);
            name[n] = '\0';
            const char *v = colon + 1;
            while (v < line + len && (*v == ' ' || *v == '\t'))
                v++;
            size_t vlen = (size_t)(line + len - v);
            const char *old = json_string_value(json_object_get(obj, name));
            char *joined = NULL;
            if (old && asprintf(&joined, "%s, %.*s", old, (int)vlen, v) < 0)
                joined = NULL;
            json_t *val = old ? (joined ? json_string(joined) : NULL) : json_stringn(v, vlen);
            free(joined);
            if (!val || json_object_set_new(obj, name, val) != 0) {
                json_decref(obj);
                obj = NULL;
            }
        }
        line = end ? end + 2 : NULL;
    }
    return obj;
}

/* Appends one exchange to the file named by CF_CONTRACT_LOG, when it is set. A failure to log
 * is reported on stderr but does not fail the test: the contract test fails instead, since an
 * exchange that is missing from the log cannot be checked. */
static void contract_log(const char *method, const char *path, long status,
                         const char *content_type, const char *raw_headers, const char *body,
                         size_t body_len)
{
    const char *file = getenv("CF_CONTRACT_LOG");
    if (!file || !*file || status <= 0)
        return;
    const char *q = strchr(path, '?');
    size_t path_len = q ? (size_t)(q - path) : strlen(path);
    json_t *line = json_object();
    json_t *b = json_stringn(body, body_len);
    int bad = !line;
    bad |= json_object_set_new(line, "method", json_string(method));
    bad |= json_object_set_new(line, "path", json_stringn(path, path_len));
    bad |= json_object_set_new(line, "query", q ? json_string(q + 1) : json_null());
    bad |= json_object_set_new(line, "status", json_integer(status));
    bad |= json_object_set_new(line, "content_type",
                               content_type ? json_string(content_type) : json_null());
    bad |= json_object_set_new(line, "headers", final_headers(raw_headers));
    /* JSON strings hold UTF-8 only: a body that is not (none of this service's should be) is
     * logged as null with the reason, and the validator reports it. */
    bad |= json_object_set_new(line, "body", b ? b : json_null());
    if (!b)
        bad |= json_object_set_new(line, "body_error", json_string("not valid UTF-8"));
    char *text = bad ? NULL : json_dumps(line, JSON_COMPACT);
    json_decref(line);
    char *out = NULL;
    int n = text ? asprintf(&out, "%s\n", text) : -1;
    free(text);
    if (n < 0) {
        fprintf(stderr, "httpclient: cannot log %s %s to %s: out of memory\n", method, path, file);
        return;
    }
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    ssize_t w = fd >= 0 ? write(fd, out, (size_t)n) : -1;
    if (w != n)
        fprintf(stderr, "httpclient: cannot log %s %s to %s: %s\n", method, path, file,
                w < 0 ? strerror(errno) : "short write");
    if (fd >= 0)
        close(fd);
    free(out);
}

struct http_result http_do(CURL *curl, const char *method, unsigned port, const char *path,
                           const char *const *headers, const char *body, size_t body_len)
{
    struct http_result r = {0};
    int own = curl == NULL;
    if (own)
        curl = curl_easy_init();
    char *url = NULL; /* allocated: the bad-input corpus sends paths of several KB */
    if (asprintf(&url, "http://127.0.0.1:%u%s", port, path) < 0) {
        r.curl_code = CURLE_OUT_OF_MEMORY;
        r.body = strdup("");
        r.headers = strdup("");
        if (own)
            curl_easy_cleanup(curl);
        return r;
    }
    struct sink b = {0}, h = {0};
    struct curl_slist *hl = NULL;
    const char *encoding = NULL; /* Accept-Encoding: libcurl's, so that it decodes the body */
    for (const char *const *p = headers; p && *p; p++) {
        if (strncasecmp(*p, "Accept-Encoding:", 16) == 0)
            encoding = *p + 16 + strspn(*p + 16, " ");
        else
            hl = curl_slist_append(hl, *p);
    }
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, encoding);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L); /* send "/.." as written, unnormalised */
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, sink_write);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(curl, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST,
                     strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? NULL : method);
    r.curl_code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &r.num_connects);
    const char *ctype = NULL;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
    if (r.curl_code == CURLE_OK)
        contract_log(method, path, r.status, ctype, h.data ? h.data : "", b.data ? b.data : "",
                     b.len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(hl);
    free(url);
    if (own)
        curl_easy_cleanup(curl);
    r.body = b.data ? b.data : strdup("");
    r.body_len = b.len;
    r.headers = h.data ? h.data : strdup("");
    return r;
}

const char *http_header(const struct http_result *r, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t vlen = (size_t)(line + len - v);
            snprintf(buf, cap, "%.*s", (int)vlen, v);
            return buf;
        }
        line = end ? end + 2 : NULL;
    }
    return NULL;
}

json_t *http_json(const struct http_result *r)
{
    return json_loadb(r->body, r->body_len, 0, NULL);
}

void http_result_free(struct http_result *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof(*r));
}
