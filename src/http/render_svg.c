/*
 * render_svg.c - a comparison (advise.h) as a 600x400 SVG for dashboards: monthly cost against
 * invocations per month, both on log scales, one line per platform that is feasible somewhere on
 * the curve (broken where it is not), a diamond at each break-even point (an arrow at the edge
 * for one outside the plotted rates), a dashed vertical line at the requested rate, decade tick
 * labels ("10k", "$1k"), a legend with each option's cost at the requested rate, and a title
 * that states the workload. A comparison in which no option is feasible still gets axes, a
 * legend and a sentence saying so, because that is an answer too.
 *
 * Pure: the picture is computed from the comparison alone, with no I/O, globals or locks, so
 * any HTTP worker may call it. Every number is checked to be finite before it becomes a
 * coordinate, every text goes through one XML escaper that also drops the characters XML 1.0
 * cannot carry, and every loop over the data or the decades is bounded, so no answer can
 * produce invalid XML or a huge picture.
 *
 * Layout (pixels in a 600x400 viewBox): title and subtitle on top, the plot in the middle with
 * log-log axes, decade gridlines and labels, and a legend that wraps below the x-axis title.
 */
#include "computefit/dynbuf.h"
#include "computefit/platform.h"
#include "computefit/render.h"
#include "computefit/utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHART_W       600
#define CHART_H       400
#define PLOT_X0       76.0
#define PLOT_X1       584.0
#define PLOT_Y0       62.0
#define PLOT_Y1       302.0
#define LEGEND_Y      360.0
#define LEGEND_ROW    17.0
#define LEGEND_X1     590.0
#define CHAR_W        6.6 /* mean advance of an 11px system-ui glyph, for legend layout */
#define MAX_TICKS     8   /* labelled decades per axis; wider spans label every k-th decade */
#define MAX_POINTS    512 /* curve points drawn; a longer curve is cut (ours has 21) */
#define TITLE_CHAR_W  9.2 /* the same for a 15px semi-bold title */
#define LABEL_CHAR_W  6.0 /* the same for a 10.5px label */
#define MAX_TITLE     90  /* characters of the title before it is cut with an ellipsis */
#define MAX_SVG_BYTES (256 * 1024)
#define BE_STRETCH    0.5 /* decades the rate axis may grow to show a break-even point */
#define HALO          "paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\""

#define FONT "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif"

/* One line per platform, in the table's order, with Okabe-Ito colours and dash patterns so that
 * the lines stay apart for colour-blind readers and in greyscale prints: Lambda orange and
 * Lambda Managed Instances vermilion, ECS on EC2 bluish green and ECS Managed Instances
 * reddish purple, each pair with dashes of its own. */
#define N_SERIES MODEL_PLATFORM_COUNT

static const struct series_style {
    const char *colour;
    const char *dash;
} styles[] = {
    {"#E69F00", NULL},      {"#0072B2", "7 4"}, {"#009E73", "2 3"},  {"#D55E00", "4 2"},
    {"#CC79A7", "9 3 2 3"}, {"#56B4E9", "1 3"}, {"#F0E442", "12 4"}, {"#000000", "6 2 1 2"},
};
#define N_STYLES (sizeof(styles) / sizeof(styles[0]))

static const struct series_style *style(size_t s)
{
    return &styles[s % N_STYLES];
}

/* The most break-even points marked. */
#define MAX_BE 32

/* ---- output buffer ---- */

static void bput(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bput(struct dynbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(small)) {
        dynbuf_addn(b, small, (size_t)n);
        return;
    }
    char *big = NULL;
    va_start(ap, fmt);
    n = vasprintf(&big, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    dynbuf_addn(b, big, (size_t)n);
    free(big);
}

static void bputn(struct dynbuf *b, const char *s, size_t n)
{
    dynbuf_addn(b, s, n);
}

/* Whether XML 1.0 allows code point c in character data (the Char production). */
static bool xml_char_ok(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Appends `s` as XML character data: markup characters become entities, characters XML cannot
 * carry and malformed UTF-8 are dropped, and after `max_chars` characters the rest becomes an
 * ellipsis. Safe in attribute values too (quotes are escaped). */
static void put_text(struct dynbuf *b, const char *s, size_t max_chars)
{
    size_t n = s ? strlen(s) : 0, chars = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            i++;
            continue;
        }
        if (xml_char_ok(cp)) {
            if (chars++ == max_chars) {
                bputn(b, "\xE2\x80\xA6", 3); /* U+2026 HORIZONTAL ELLIPSIS */
                return;
            }
            switch (cp) {
            case '&':
                bputn(b, "&amp;", 5);
                break;
            case '<':
                bputn(b, "&lt;", 4);
                break;
            case '>':
                bputn(b, "&gt;", 4);
                break;
            case '"':
                bputn(b, "&quot;", 6);
                break;
            case '\'':
                bputn(b, "&apos;", 6);
                break;
            case '\t':
            case '\n':
            case '\r':
                bputn(b, " ", 1);
                break;
            default:
                bputn(b, s + i, len);
            }
        }
        i += len;
    }
}

/* ---- numbers ---- */

/* A coordinate that is always printable and inside a sane band around the canvas. */
static double clampc(double v)
{
    if (!isfinite(v))
        return 0;
    return v < -10000 ? -10000 : v > 10000 ? 10000 : v;
}

/* Writes `v` with three significant digits and a k/M/B/T suffix ("10k", "2.5M", "0.1"). */
static void fmt_count(char *out, size_t cap, double v)
{
    static const struct {
        double div;
        const char *suffix;
    } units[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}};
    double a = fabs(v);
    if (a >= 1e15 || (a > 0 && a < 1e-3)) {
        snprintf(out, cap, "%.2g", v);
        return;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (a >= units[i].div * 0.9995) {
            snprintf(out, cap, "%.3g%s", v / units[i].div, units[i].suffix);
            return;
        }
    }
    snprintf(out, cap, "%.3g", v);
}

/* Writes an amount of money for a tick or legend: "$1", "$10", "$1k", "$2.5M", "$0.01", and
 * cents ("$3.47") for amounts from $0.01 to $1000 when `cents`. */
static void fmt_money(char *out, size_t cap, double usd, bool cents)
{
    double a = fabs(usd);
    if (cents && a >= 0.01 && a < 1000) {
        snprintf(out, cap, "$%.2f", usd);
        return;
    }
    if (cents && a > 0 && a < 0.01) {
        snprintf(out, cap, "<$0.01");
        return;
    }
    if (a == 0) {
        snprintf(out, cap, "$0");
        return;
    }
    if (a < 1 && a >= 1e-3) {
        snprintf(out, cap, "$%.3g", usd);
        return;
    }
    char n[32];
    fmt_count(n, sizeof(n), usd);
    snprintf(out, cap, "$%s", n);
}

/* Writes the tick label of decade 10^e: "$1", "$10k", "0.1", "1M" within the range people
 * read at a glance, and "10" with a superscript exponent ("$10⁻⁶") outside it. */
static void fmt_decade(char *out, size_t cap, int e, bool money)
{
    if (e >= -2 && e <= 14) {
        if (money)
            fmt_money(out, cap, pow(10, e), false);
        else
            fmt_count(out, cap, pow(10, e));
        return;
    }
    static const char *const sup[] = {
        "\xE2\x81\xB0", "\xC2\xB9",     "\xC2\xB2",     "\xC2\xB3",     "\xE2\x81\xB4",
        "\xE2\x81\xB5", "\xE2\x81\xB6", "\xE2\x81\xB7", "\xE2\x81\xB8", "\xE2\x81\xB9"};
    char digits[16];
    int n = snprintf(out, cap, "%s10%s", money ? "$" : "", e < 0 ? "\xE2\x81\xBB" : "");
    snprintf(digits, sizeof(digits), "%d", e < 0 ? -e : e);
    for (const char *d = digits; *d && n > 0 && (size_t)n < cap; d++)
        n += snprintf(out + n, cap - (size_t)n, "%s", sup[*d - '0']);
}

/* Writes a duration readably: "250 ms", "5 s", "2.5 min", "3 h". */
static void fmt_duration(char *out, size_t cap, double s)
{
    if (s < 1)
        snprintf(out, cap, "%.3g ms", s * 1000);
    else if (s < 120)
        snprintf(out, cap, "%.3g s", s);
    else if (s < 7200)
        snprintf(out, cap, "%.3g min", s / 60);
    else
        snprintf(out, cap, "%.3g h", s / 3600);
}

/* ---- axes ---- */

/* A log axis: decades lo..hi (log10 values) mapped onto pixels p0..p1. */
struct axis {
    double lo, hi, p0, p1;
};

/* The pixel of log10 value `lv`: ticks are placed by exponent, since 10^e need not be a
 * finite double at the ends of a hostile span. */
static double axis_at(const struct axis *ax, double lv)
{
    double t = (lv - ax->lo) / (ax->hi - ax->lo);
    return clampc(ax->p0 + t * (ax->p1 - ax->p0));
}

static double axis_map(const struct axis *ax, double v)
{
    return axis_at(ax, log10(v));
}

/* Sets the span of `ax` from the smallest and largest positive values seen. `round` widens it
 * to whole decades; otherwise it is widened only when it holds no whole decade to label. */
static void axis_fit(struct axis *ax, double min, double max, bool round, double dflt_lo)
{
    if (!(min > 0) || !(max >= min)) {
        ax->lo = dflt_lo;
        ax->hi = dflt_lo + 2;
        return;
    }
    double lo = log10(min), hi = log10(max);
    if (round || floor(hi) < ceil(lo) || hi - lo < 1) {
        lo = floor(lo);
        hi = ceil(hi);
    }
    if (hi - lo < 1) {
        lo -= 0.5;
        hi += 0.5;
        if (round) {
            lo = floor(lo);
            hi = ceil(hi);
        }
    }
    ax->lo = lo;
    ax->hi = hi;
}

/* ---- the document ---- */

struct pt {
    double n;   /* invocations per month, > 0 */
    double usd; /* monthly cost; < 0 where the option cannot run (null) */
};

/* A break-even point to mark. */
struct mark {
    double n;          /* invocations per month, > 0 */
    double usd;        /* the cost there; < 0 when unknown */
    const char *rival; /* "Fargate always-on" */
};

struct chart {
    struct pt pts[N_SERIES][MAX_POINTS];
    struct mark be[MAX_BE];
    size_t n_be;
    double xs[MAX_POINTS];
    size_t n_pts;
    bool drawn[N_SERIES];
    double at_req[N_SERIES]; /* cost at the requested rate, < 0 when unknown */
    double req;              /* requested rate, <= 0 when unknown */
    bool any_zero;
    struct axis x, y;
};

/* The y of a cost on the chart: zero (a free tier) sits on the floor of the axis. */
static double y_of(const struct chart *c, double usd)
{
    if (usd <= 0)
        return c->y.p0;
    double y = axis_map(&c->y, usd);
    return y > c->y.p0 ? c->y.p0 : y;
}

/* Reads the curve: points with a positive finite rate; a cost that is missing, negative or not
 * finite (an option that cannot run there) becomes a gap. */
static void read_curve(const struct comparison *cmp, struct chart *c)
{
    c->n_pts = 0;
    for (size_t i = 0; i < cmp->n_curve && c->n_pts < MAX_POINTS; i++) {
        double n = cmp->curve[i].n;
        if (!isfinite(n) || !(n > 0))
            continue;
        c->xs[c->n_pts] = n;
        for (size_t s = 0; s < N_SERIES; s++) {
            double usd = cmp->curve[i].usd[s];
            if (!isfinite(usd) || usd < 0)
                usd = -1;
            c->pts[s][c->n_pts] = (struct pt){.n = n, .usd = usd};
            if (usd >= 0)
                c->drawn[s] = true;
            if (usd == 0)
                c->any_zero = true;
        }
        c->n_pts++;
    }
}

/* Reads the break-even points there are to mark. */
static void read_break_evens(const struct comparison *cmp, struct chart *c)
{
    c->n_be = 0;
    for (size_t i = 0; i < cmp->n_break_evens && c->n_be < MAX_BE; i++) {
        const struct break_even *be = &cmp->break_evens[i];
        if (!be->found || !isfinite(be->n) || !(be->n > 0))
            continue;
        double usd = be->reference_usd;
        if (!isfinite(usd) || usd < 0)
            usd = isfinite(be->other_usd) && be->other_usd >= 0 ? be->other_usd : -1;
        c->be[c->n_be++] = (struct mark){be->n, usd, be->rival};
    }
}

static void fit_axes(struct chart *c)
{
    double xmin = HUGE_VAL, xmax = 0, ymin = HUGE_VAL, ymax = 0;
    for (size_t i = 0; i < c->n_pts; i++) {
        xmin = fmin(xmin, c->xs[i]);
        xmax = fmax(xmax, c->xs[i]);
        for (size_t s = 0; s < N_SERIES; s++) {
            double usd = c->pts[s][i].usd;
            if (usd > 0) {
                ymin = fmin(ymin, usd);
                ymax = fmax(ymax, usd);
            }
        }
    }
    if (c->req > 0) {
        xmin = fmin(xmin, c->req);
        xmax = fmax(xmax, c->req);
    }
    c->x = (struct axis){.p0 = PLOT_X0, .p1 = PLOT_X1};
    axis_fit(&c->x, xmin, xmax, false, 2);
    /* A break-even point just past the curve widens the rates shown, so that it can be marked
     * rather than pointed at; one further away is pointed at from the edge. */
    for (size_t k = 0; k < c->n_be; k++) {
        double ln = log10(c->be[k].n);
        if (ln < c->x.lo && ln > c->x.lo - BE_STRETCH)
            c->x.lo = ln - 0.05;
        if (ln > c->x.hi && ln < c->x.hi + BE_STRETCH)
            c->x.hi = ln + 0.05;
    }
    /* Break-even points inside the plotted rates count towards the cost span. */
    for (size_t k = 0; k < c->n_be; k++) {
        double n = c->be[k].n, usd = c->be[k].usd;
        if (usd > 0 && log10(n) >= c->x.lo && log10(n) <= c->x.hi) {
            ymin = fmin(ymin, usd);
            ymax = fmax(ymax, usd);
        }
    }
    c->y = (struct axis){.p0 = PLOT_Y1, .p1 = PLOT_Y0};
    axis_fit(&c->y, ymin, ymax, true, -1);
    /* $0 (a free tier) has no place on a log scale: it gets the floor, one decade below the
     * smallest cost, labelled "$0" and set apart by a break in the axis. */
    if (c->any_zero)
        c->y.lo -= 1;
}

/* The cost of series s at the requested rate: the curve point at that rate, when there is one. */
static double cost_at_request(const struct chart *c, size_t s)
{
    for (size_t i = 0; i < c->n_pts && c->req > 0; i++)
        if (fabs(c->xs[i] - c->req) <= 1e-9 * c->req)
            return c->pts[s][i].usd;
    return -1;
}

/* ---- drawing ---- */

/* Composes the title from the workload: "5 s x 2048 MB, 10k/month, us-east-1". */
static void title_text(const struct workload *w, char *t, size_t cap)
{
    char part[128];
    size_t used = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(t + used, cap - used, __VA_ARGS__);                                      \
        if (k_ > 0)                                                                                \
            used = used + (size_t)k_ < cap ? used + (size_t)k_ : cap - 1;                          \
    } while (0)
    if (w->name[0])
        ADD("%.200s: ", w->name);
    if (isfinite(w->duration_s) && w->duration_s > 0) {
        fmt_duration(part, sizeof(part), w->duration_s);
        ADD("%s", part);
    }
    if (isfinite(w->memory_mb) && w->memory_mb > 0)
        ADD("%s%.6g MB", used && t[used - 1] != ' ' ? " \xC3\x97 " : "", w->memory_mb); /* U+00D7 */
    if (w->gpu)
        ADD(" + GPU");
    if (isfinite(w->invocations_per_month) && w->invocations_per_month >= 0) {
        fmt_count(part, sizeof(part), w->invocations_per_month);
        ADD("%s%s/month", used ? ", " : "", part);
    }
    if (w->settings.region[0])
        ADD("%s%.64s", used ? ", " : "", w->settings.region);
    if (!used)
        ADD("Monthly cost by invocation rate");
#undef ADD
}

/* Counts the code points of UTF-8 text (continuation bytes are not counted). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Draws the title; one too long for the width is squeezed to fit (textLength), and one longer
 * still is cut with an ellipsis. */
static void draw_title(struct dynbuf *b, const char *t)
{
    size_t chars = utf8_chars(t);
    if (chars > MAX_TITLE)
        chars = MAX_TITLE + 1;
    bput(b, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\"",
         CHART_W / 2);
    if ((double)chars * TITLE_CHAR_W > CHART_W - 24)
        bput(b, " textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\"", CHART_W - 24);
    bput(b, ">");
    put_text(b, t, MAX_TITLE);
    bput(b, "</text>\n");
}

static void draw_subtitle(struct dynbuf *b, const struct advice *a, bool empty)
{
    const char *label = a->winner >= 0 ? platforms[a->winner].chart_label : NULL;
    bput(b, "<text x=\"%d\" y=\"43\" text-anchor=\"middle\" font-size=\"11.5\" fill=\"#444\">",
         CHART_W / 2);
    if (empty)
        bput(b, "No option can run this workload: nothing to draw");
    else if (label)
        bput(b, "Monthly cost by invocation rate, log scales \xC2\xB7 recommended: %s", label);
    else
        bput(b, "Monthly cost by invocation rate, log scales");
    bput(b, "</text>\n");
}

static void draw_axes(struct dynbuf *b, const struct chart *c)
{
    char lab[48];
    /* Horizontal gridlines and money labels, every `step` decades. */
    int ylo = (int)ceil(c->y.lo - 1e-9), yhi = (int)floor(c->y.hi + 1e-9);
    int ystep = (yhi - ylo) / MAX_TICKS + 1;
    bput(b, "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
    if (ystep == 1) /* minor lines at 2x and 5x each decade */
        for (int e = (int)floor(c->y.lo); e <= yhi; e++)
            for (int m = 2; m <= 5; m += 3) {
                double lv = e + log10(m);
                if (lv > c->y.lo + (c->any_zero ? 1 : 0) && lv < c->y.hi)
                    bput(b,
                         "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                         "stroke=\"#f1f1f1\"/>\n",
                         PLOT_X0, PLOT_X1, axis_at(&c->y, lv), axis_at(&c->y, lv));
            }
    int xlo = (int)ceil(c->x.lo - 1e-9), xhi = (int)floor(c->x.hi + 1e-9);
    int xstep = (xhi - xlo) / MAX_TICKS + 1;
    if (xstep == 1)
        for (int e = (int)floor(c->x.lo); e <= xhi; e++)
            for (int m = 2; m <= 5; m += 3) {
                double lv = e + log10(m);
                if (lv > c->x.lo && lv < c->x.hi)
                    bput(b,
                         "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                         "stroke=\"#f1f1f1\"/>\n",
                         axis_at(&c->x, lv), axis_at(&c->x, lv), PLOT_Y0, PLOT_Y1);
            }
    for (int e = ylo; e <= yhi; e += ystep) {
        double y = axis_at(&c->y, e);
        bput(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", PLOT_X0, PLOT_X1, y,
             y);
    }
    for (int e = xlo; e <= xhi; e += xstep) {
        double x = axis_at(&c->x, e);
        bput(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", x, x, PLOT_Y0,
             PLOT_Y1);
    }
    bput(b,
         "</g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
         "stroke=\"#888\"/>\n",
         PLOT_X0, PLOT_Y0, PLOT_X1 - PLOT_X0, PLOT_Y1 - PLOT_Y0);
    bput(b, "<g class=\"ticks\" font-size=\"11\" fill=\"#333\">\n");
    for (int e = ylo; e <= yhi; e += ystep) {
        if (c->any_zero && e == ylo)
            snprintf(lab, sizeof(lab), "$0");
        else
            fmt_decade(lab, sizeof(lab), e, true);
        bput(b, "<text class=\"ytick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
             PLOT_X0 - 6, axis_at(&c->y, e) + 4, lab);
    }
    for (int e = xlo; e <= xhi; e += xstep) {
        fmt_decade(lab, sizeof(lab), e, false);
        bput(b, "<text class=\"xtick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
             axis_at(&c->x, e), PLOT_Y1 + 15, lab);
    }
    bput(b, "</g>\n");
    if (c->any_zero) { /* the axis break between $0 and the first decade */
        double y = (c->y.p0 + axis_at(&c->y, c->y.lo + 1)) / 2;
        bput(
            b,
            "<g class=\"axis-break\" stroke=\"#888\"><rect x=\"%.1f\" y=\"%.1f\" width=\"10\" "
            "height=\"5\" fill=\"#fff\" stroke=\"none\"/><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
            "y2=\"%.1f\"/><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/></g>\n",
            PLOT_X0 - 5, y - 2.5, PLOT_X0 - 6, PLOT_X0 + 6, y + 1, y - 3, PLOT_X0 - 6, PLOT_X0 + 6,
            y + 4, y);
    }
    bput(b,
         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11.5\" "
         "fill=\"#333\">Invocations per month</text>\n",
         (PLOT_X0 + PLOT_X1) / 2, PLOT_Y1 + 32);
    bput(b,
         "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\" "
         "font-size=\"11.5\" fill=\"#333\">Monthly cost (USD)</text>\n",
         (PLOT_Y0 + PLOT_Y1) / 2);
}

static void draw_series(struct dynbuf *b, const struct chart *c, size_t s)
{
    const struct series_style *st = style(s);
    bput(b, "<g class=\"series\" data-option=\"%s\" stroke=\"%s\" fill=\"%s\">\n", platforms[s].key,
         st->colour, st->colour);
    bput(b, "<title>%s: monthly cost</title>\n", platforms[s].chart_label);
    size_t i = 0;
    while (i < c->n_pts) {
        if (c->pts[s][i].usd < 0) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < c->n_pts && c->pts[s][j].usd >= 0)
            j++;
        if (j - i == 1) { /* a lone feasible point between gaps: a dot, or it would vanish */
            bput(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" stroke=\"none\"/>\n",
                 axis_map(&c->x, c->pts[s][i].n), y_of(c, c->pts[s][i].usd));
        } else {
            bput(b,
                 "<polyline fill=\"none\" stroke-width=\"2.4\" stroke-linejoin=\"round\"%s%s%s "
                 "points=\"",
                 st->dash ? " stroke-dasharray=\"" : "", st->dash ? st->dash : "",
                 st->dash ? "\"" : "");
            for (size_t k = i; k < j; k++)
                bput(b, "%s%.1f,%.1f", k == i ? "" : " ", axis_map(&c->x, c->pts[s][k].n),
                     y_of(c, c->pts[s][k].usd));
            bput(b, "\"/>\n");
        }
        i = j;
    }
    if (c->at_req[s] >= 0 && c->req > 0)
        bput(b,
             "<circle class=\"at-request\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
             "stroke=\"#fff\" stroke-width=\"1\"/>\n",
             axis_map(&c->x, c->req), y_of(c, c->at_req[s]));
    bput(b, "</g>\n");
}

/* A label's box on the canvas. */
struct box {
    double x0, y0, x1, y1;
};

/* How badly a label in box `bx` would sit: far outside the plot, on top of another label, on
 * the requested-rate line, and on each sampled piece of an option's line. Lower is better. */
static double label_cost(const struct chart *c, struct box bx, const struct box *taken,
                         size_t n_taken)
{
    double cost = 0;
    if (bx.x0 < PLOT_X0 + 2 || bx.x1 > PLOT_X1 - 2 || bx.y0 < PLOT_Y0 + 2 || bx.y1 > PLOT_Y1 - 2)
        cost += 1000;
    for (size_t q = 0; q < n_taken; q++)
        if (bx.x0 < taken[q].x1 && taken[q].x0 < bx.x1 && bx.y0 < taken[q].y1 &&
            taken[q].y0 < bx.y1)
            cost += 500;
    if (c->req > 0) {
        double rx = axis_map(&c->x, c->req);
        if (rx > bx.x0 && rx < bx.x1)
            cost += 8;
    }
    for (size_t s = 0; s < N_SERIES; s++) {
        for (size_t i = 0; i + 1 < c->n_pts; i++) {
            if (c->pts[s][i].usd < 0 || c->pts[s][i + 1].usd < 0)
                continue;
            double xa = axis_map(&c->x, c->pts[s][i].n), ya = y_of(c, c->pts[s][i].usd);
            double xb = axis_map(&c->x, c->pts[s][i + 1].n), yb = y_of(c, c->pts[s][i + 1].usd);
            for (int t = 0; t <= 16; t++) {
                double px = xa + (xb - xa) * t / 16, py = ya + (yb - ya) * t / 16;
                if (px >= bx.x0 && px <= bx.x1 && py >= bx.y0 && py <= bx.y1)
                    cost += 1;
            }
        }
    }
    return cost;
}

/* Draws the requested rate as a dashed vertical line, its label at whichever top or bottom
 * corner beside the line covers the fewest lines. */
static void draw_request(struct dynbuf *b, const struct chart *c)
{
    if (!(c->req > 0))
        return;
    char lab[48], text[80];
    double x = axis_map(&c->x, c->req);
    fmt_count(lab, sizeof(lab), c->req);
    snprintf(text, sizeof(text), "requested: %s/month", lab);
    double w = 6.4 * (double)utf8_chars(text);
    bool right_first = x < (PLOT_X0 + PLOT_X1) / 2;
    double best_cost = HUGE_VAL, tx = 0, ty = 0;
    bool start = true;
    for (int i = 0; i < 4; i++) {
        bool right = (i % 2 == 0) == right_first;
        double cx = right ? x + 5 : x - 5, cy = i < 2 ? PLOT_Y0 + 13 : PLOT_Y1 - 6;
        struct box bx = {right ? cx : cx - w, cy - 10, right ? cx + w : cx, cy + 2};
        double cost = label_cost(c, bx, NULL, 0);
        if (cost < best_cost) {
            best_cost = cost;
            tx = cx;
            ty = cy;
            start = right;
        }
    }
    bput(b,
         "<g class=\"requested\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
         "stroke=\"#333\" stroke-width=\"1.3\" stroke-dasharray=\"4 3\"/>\n"
         "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#333\" text-anchor=\"%s\" " HALO ">",
         x, x, PLOT_Y0, PLOT_Y1, tx, ty, start ? "start" : "end");
    put_text(b, text, sizeof(text));
    bput(b, "</text></g>\n");
}

/* Marks each break-even point with a diamond and its rate, the label put where it covers the
 * fewest lines; points outside the plotted rates get an arrow at the edge instead (left ones at
 * the top, where costs at low rates are not; right ones at the bottom), so the reader still
 * learns where they are. */
static void draw_break_evens(struct dynbuf *b, const struct chart *c)
{
    static const struct {
        double dx, dy;
        bool start;
    } spots[] = {{6, 17, true}, {-6, -9, false}, {-6, 17, false}, {6, -9, true},
                 {9, 4, true},  {-9, 4, false},  {6, 30, true},   {-6, -22, false}};
    double placed_x[MAX_BE], placed_y[MAX_BE];
    struct box taken[MAX_BE];
    size_t n_placed = 0, n_taken = 0, n_left = 0, n_right = 0;
    bput(b, "<g class=\"break-even\" font-size=\"10.5\" fill=\"#222\">\n");
    for (size_t k = 0; k < c->n_be; k++) {
        double n = c->be[k].n, usd = c->be[k].usd;
        char lab[48], text[96];
        fmt_count(lab, sizeof(lab), n);
        double ln = log10(n);
        double y = usd >= 0 ? y_of(c, usd) : (PLOT_Y0 + PLOT_Y1) / 2;
        if (ln < c->x.lo || ln > c->x.hi) {
            bool left = ln < c->x.lo;
            bput(b,
                 "<text class=\"off-chart\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" " HALO ">"
                 "%s%s = Lambda at %s/month%s<title>A break-even point outside the plotted "
                 "rates</title></text>\n",
                 left ? PLOT_X0 + 4 : PLOT_X1 - 4,
                 left ? PLOT_Y0 + 30 + 13.0 * (double)n_left++
                      : PLOT_Y1 - 6 - 13.0 * (double)n_right++,
                 left ? "start" : "end", left ? "\xE2\x86\x90 " : "", c->be[k].rival, lab,
                 left ? "" : " \xE2\x86\x92");
            continue;
        }
        double x = axis_map(&c->x, n);
        /* Two Fargate modes can break even at the same spot: one marker, one label. */
        bool dup = false;
        for (size_t q = 0; q < n_placed; q++)
            dup = dup || (fabs(placed_x[q] - x) < 2 && fabs(placed_y[q] - y) < 2);
        if (dup)
            continue;
        placed_x[n_placed] = x;
        placed_y[n_placed++] = y;
        snprintf(text, sizeof(text), "= %s at %s", c->be[k].rival, lab);
        double w = LABEL_CHAR_W * (double)utf8_chars(text);
        size_t best = 0;
        double best_cost = HUGE_VAL;
        struct box best_box = {0};
        for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
            double tx = x + spots[i].dx, ty = y + spots[i].dy;
            struct box bx = {spots[i].start ? tx : tx - w, ty - 9, spots[i].start ? tx + w : tx,
                             ty + 2};
            double cost = label_cost(c, bx, taken, n_taken);
            if (cost < best_cost) {
                best_cost = cost;
                best = i;
                best_box = bx;
            }
        }
        taken[n_taken++] = best_box;
        bput(b,
             "<path class=\"marker\" d=\"M%.1f %.1fl5 5l-5 5l-5 -5z\" fill=\"#fff\" "
             "stroke=\"#222\" stroke-width=\"1.6\"><title>Break-even: Lambda and %s cost the "
             "same at %s invocations a month</title></path>\n"
             "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" " HALO ">",
             x, y - 5, c->be[k].rival, lab, x + spots[best].dx, y + spots[best].dy,
             spots[best].start ? "start" : "end");
        put_text(b, text, sizeof(text));
        bput(b, "</text>\n");
    }
    bput(b, "</g>\n");
}

/* Lays out the legend left to right, wrapping to a new row when the next entry would not fit. */
static void draw_legend(struct dynbuf *b, const struct chart *c, bool any_be)
{
    double x = PLOT_X0 - 40, y = LEGEND_Y;
    bput(b, "<g class=\"legend\" font-size=\"11\" fill=\"#222\">\n");
    for (size_t k = 0; k < N_SERIES + 2; k++) {
        char lab[96], money[48];
        const char *what = "";
        if (k < N_SERIES) {
            if (!c->drawn[k]) {
                snprintf(lab, sizeof(lab), "%s: cannot run this", platforms[k].chart_label);
            } else if (c->at_req[k] >= 0) {
                fmt_money(money, sizeof(money), c->at_req[k], true);
                snprintf(lab, sizeof(lab), "%s: %s/month", platforms[k].chart_label, money);
            } else {
                snprintf(lab, sizeof(lab), "%s", platforms[k].chart_label);
            }
            what = platforms[k].key;
        } else if (k == N_SERIES) {
            if (!any_be)
                continue;
            snprintf(lab, sizeof(lab), "break-even");
            what = "break-even";
        } else {
            if (!(c->req > 0))
                continue;
            snprintf(lab, sizeof(lab), "requested rate");
            what = "requested";
        }
        double w = 30 + CHAR_W * (double)strlen(lab) + 16;
        if (x + w > LEGEND_X1 && x > PLOT_X0 - 40) {
            x = PLOT_X0 - 40;
            y += LEGEND_ROW;
        }
        bput(b, "<g class=\"legend-entry\" data-entry=\"%s\">", what);
        if (k < N_SERIES)
            bput(b,
                 "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                 "stroke-width=\"%s\"%s%s%s/>",
                 x, x + 24, y - 4, y - 4, c->drawn[k] ? style(k)->colour : "#bbb",
                 c->drawn[k] ? "2.4" : "1.2", style(k)->dash ? " stroke-dasharray=\"" : "",
                 style(k)->dash ? style(k)->dash : "", style(k)->dash ? "\"" : "");
        else if (k == N_SERIES)
            bput(b,
                 "<path d=\"M%.1f %.1fl5 5l-5 5l-5 -5z\" fill=\"#fff\" stroke=\"#222\" "
                 "stroke-width=\"1.6\"/>",
                 x + 12, y - 9);
        else
            bput(b,
                 "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" "
                 "stroke-width=\"1.3\" stroke-dasharray=\"4 3\"/>",
                 x + 12, x + 12, y - 11, y + 3);
        bput(b, "<text x=\"%.1f\" y=\"%.1f\"%s>", x + 30, y,
             k < N_SERIES && !c->drawn[k] ? " fill=\"#777\"" : "");
        put_text(b, lab, sizeof(lab));
        bput(b, "</text></g>\n");
        x += w;
    }
    bput(b, "</g>\n");
}

int render_svg(const struct cf_answer *a, char **ret_svg, size_t *ret_len, struct cf_error *reterr)
{
    if (!a || a->kind != ANSWER_COMPARISON)
        return cf_error_set(reterr, CF_EINVAL, NULL,
                            "the chart is drawn from a /compare answer, which has a curve");
    const struct comparison *cmp = a->comparison;
    struct chart *c = calloc(1, sizeof(*c));
    struct dynbuf b;
    dynbuf_init(&b, MAX_SVG_BYTES);
    int r = 0;
    if (!c) {
        r = cf_error_set(reterr, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
        goto out;
    }
    read_curve(cmp, c);
    read_break_evens(cmp, c);
    c->req = cmp->advice->w.invocations_per_month;
    if (!isfinite(c->req) || !(c->req > 0))
        c->req = 0;
    bool empty = true;
    char title[512] = "";
    for (size_t s = 0; s < N_SERIES; s++) {
        c->at_req[s] = cost_at_request(c, s);
        empty = empty && !c->drawn[s];
    }
    fit_axes(c);
    title_text(&cmp->advice->w, title, sizeof(title));
    bool any_be = c->n_be > 0;

    bput(&b,
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
         "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"chart-title\" "
         "font-family=\"%s\">\n",
         CHART_W, CHART_H, CHART_W, CHART_H, FONT);
    bput(&b, "<title id=\"chart-title\">Monthly cost against invocations per month: ");
    put_text(&b, title, 400);
    bput(&b, "</title>\n");
    bput(&b, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    draw_title(&b, title);
    draw_subtitle(&b, cmp->advice, empty);
    draw_axes(&b, c);
    if (!empty) {
        draw_request(&b, c);
        for (size_t s = 0; s < N_SERIES; s++)
            if (c->drawn[s])
                draw_series(&b, c, s);
        draw_break_evens(&b, c);
    }
    draw_legend(&b, c, any_be && !empty);
    bput(&b, "</svg>\n");
    if (b.oom) {
        r = cf_error_set(reterr, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
        goto out;
    }
    if (b.too_big) {
        r = cf_error_set(reterr, CF_EINTERNAL, NULL,
                         "The chart grew past %d bytes; ask for JSON instead.", MAX_SVG_BYTES);
        goto out;
    }
    char *svg = dynbuf_take(&b, ret_len);
    if (!svg) {
        r = cf_error_set(reterr, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
        goto out;
    }
    *ret_svg = svg;
out:
    dynbuf_free(&b);
    free(c);
    return r;
}
