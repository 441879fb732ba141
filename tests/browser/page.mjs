#!/usr/bin/env node
// page.mjs - the web page at GET / in a real browser: headless Chromium (Debian's `chromium`)
// driven by puppeteer-core, against the real computefit binary.
//
// Usage: node tests/browser/page.mjs BINARY [--screenshot FILE]
//
// Starts BINARY on a free port (the snapshot's rates, no refresh), then:
//   1. opens /?duration=30s&memory=1GB&invocations=500/day, as a shared link would: the form
//      holds the link's values and the page shows the answer GET /advise gives for them (the
//      recommendation, every option's line items, the rates' freshness) and the /compare chart
//      as SVG; the form has a labelled field for every field of the spec's WorkloadQuery; the
//      page's CSP is never violated and no script fails;
//   2. fills the form with another workload from the keyboard alone (typing, Tab between
//      fields, Enter on a folded section's summary to open it, Enter to submit): the address
//      becomes that workload's link, and the answer and the chart are the API's for it;
//   3. a value the API refuses: its 400 message shows next to the field it names, which is
//      marked invalid and focused; an error in a folded section opens it;
//   4. Back shows the previous answer again (the state lives in the address);
//   5. on a 390-pixel-wide screen nothing but the tables' own boxes scrolls sideways.
// With --screenshot, saves a PNG of the page as the link of step 1 opens it (1024 x 1040).
//
// Exits 0 when every check held, 1 on the first failure (with the server's log tail), 77 (meson's
// "skipped") when puppeteer-core (`npm ci` at the repository root) or Chromium
// (/usr/bin/chromium, or CF_CHROMIUM) is missing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const binary = args[0];
const shotAt = args.indexOf('--screenshot');
const screenshot = shotAt >= 0 ? args[shotAt + 1] : null;
if (!binary || (shotAt >= 0 && !screenshot)) {
  console.error('usage: node tests/browser/page.mjs BINARY [--screenshot FILE]');
  process.exit(2);
}

let puppeteer;
try {
  puppeteer = (await import('puppeteer-core')).default;
} catch (e) {
  console.log(`browser: SKIP: puppeteer-core is not installed (${e.code || e.message}); run \`npm ci\``);
  process.exit(77);
}
const chromium = process.env.CF_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.log(`browser: SKIP: no Chromium at ${chromium} (apt-get install chromium)`);
  process.exit(77);
}

class Failure extends Error {}
function check(cond, what) {
  if (!cond) throw new Failure(what);
  console.log(`ok - ${what}`);
}
function same(got, want, what) {
  check(got === want, `${what}: ${JSON.stringify(got)}${got === want ? '' : ` (want ${JSON.stringify(want)})`}`);
}

// ---- the server -------------------------------------------------------------------------------

const log = [];
const server = spawn(binary, ['--bind', '127.0.0.1', '--port', '0', '--refresh', 'false',
  '--threads', '2', '--log_level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
const port = await new Promise((res, rej) => {
  const timer = setTimeout(() => rej(new Failure('the server did not log its port within 60 s')), 60000);
  server.on('exit', (code) => rej(new Failure(`the server exited with ${code} at start`)));
  for (const stream of [server.stdout, server.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.push(line);
      if (log.length > 200) log.shift();
      try {
        const ev = JSON.parse(line);
        if (ev.event === 'listening') {
          clearTimeout(timer);
          res(ev.port);
        }
      } catch (e) { /* not an event */ }
    });
  }
});
const base = `http://127.0.0.1:${port}`;

async function api(path, query) {
  const res = await fetch(`${base}${path}?${query}`, { headers: { Accept: 'application/json' } });
  return { status: res.status, doc: await res.json() };
}

// What the page shows for a sum of money (the same rule as the page's usd()).
function usd(x) {
  if (x !== 0 && Math.abs(x) < 0.01) return '$' + new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 }).format(x);
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(x);
}
const NAMES = { lambda: 'Lambda', fargate: 'Fargate', ecs_ec2: 'ECS on EC2' };

// ---- the browser ------------------------------------------------------------------------------

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let status = 0;
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('console', (m) => {
    // A refused request is logged by Chromium itself ("Failed to load resource: 400"): expected.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.cspViolations = window.cspViolations || []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.setViewport({ width: 1024, height: 1040 });

  const state = () => page.$eval('#answer', (e) => e.dataset.state);
  const settled = async () => {
    await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('answer').dataset.state) &&
      document.getElementById('answer').getAttribute('aria-busy') === 'false', { timeout: 30000 });
    return state();
  };
  const text = (sel) => page.$eval(sel, (e) => e.textContent.replace(/\s+/g, ' ').trim());

  // What the page shows must be what the API answers for the same workload.
  async function checkAnswer(query, what) {
    const { status: st, doc } = await api('/advise', query);
    same(st, 200, `${what}: GET /advise answers`);
    const rec = doc.recommendation;
    same(await page.$eval('#recommendation', (e) => e.dataset.platform), rec.platform, `${what}: the recommended platform`);
    const main = await text('#rec-main');
    check(main.startsWith('★ Recommended: ') && main.includes(NAMES[rec.platform]) && main.includes(usd(rec.monthly_usd)),
      `${what}: the recommendation reads "${main}" (a text marker, the platform, ${usd(rec.monthly_usd)})`);
    same(await text('#rec-summary'), rec.summary, `${what}: the summary is the API's`);
    const groups = await page.$$eval('#options-table tbody', (bodies) => bodies.map((b) => ({
      key: b.dataset.option,
      head: b.querySelector('th[scope=rowgroup]').textContent,
      lines: b.querySelectorAll('tr.line').length,
      blocked: b.querySelectorAll('tr.blocked').length,
      total: b.querySelector('tr.total td')?.textContent ?? null,
    })));
    same(groups.map((g) => g.key).join(','), Object.keys(doc.options).join(','), `${what}: one row group per option`);
    for (const g of groups) {
      const o = doc.options[g.key];
      same(g.lines, o.line_items.length, `${what}: ${g.key}'s line items`);
      same(g.blocked, o.blocked_by.length, `${what}: ${g.key}'s blocked limits`);
      if (o.feasible) same(g.total, usd(o.monthly_usd), `${what}: ${g.key}'s total`);
      else check(g.head.startsWith('✘ Not possible'), `${what}: ${g.key} is marked not possible in words`);
    }
    const fresh = await text('#freshness');
    check(fresh.includes(doc.pricing.as_of) && fresh.includes(doc.pricing.region) &&
      fresh.startsWith(doc.pricing.stale ? '⚠ Stale' : 'Fresh'),
    `${what}: the rates' freshness reads "${fresh.slice(0, 80)}…"`);
    const chart = await page.$eval('#chart', (box) => {
      const svg = box.querySelector('svg');
      return svg && { ns: svg.namespaceURI, title: svg.querySelector('title')?.textContent ?? '',
        series: svg.querySelectorAll('g.series').length, width: svg.getBoundingClientRect().width };
    });
    check(chart && chart.ns === 'http://www.w3.org/2000/svg' && chart.title.startsWith('Monthly cost') &&
      chart.series > 0 && chart.width > 200,
    `${what}: the /compare chart is an SVG in the page (${chart ? `${chart.series} lines, "${chart.title.slice(0, 60)}…"` : 'none'})`);
  }

  // 1. A shared link.
  const link = 'duration=30s&memory=1GB&invocations=500/day';
  const res = await page.goto(`${base}/?${link}`);
  same(res.status(), 200, 'GET / answers');
  const headers = res.headers();
  check(/script-src 'sha256-/.test(headers['content-security-policy'] || '') &&
    /default-src 'none'/.test(headers['content-security-policy']), 'the page carries its CSP');
  same(headers['x-content-type-options'], 'nosniff', 'X-Content-Type-Options');
  same(await settled(), 'done', 'the link opens with an answer');
  same(await page.$eval('#f-duration', (e) => e.value), '30s', 'the form holds the link\'s duration');
  same(await page.$eval('#f-invocations', (e) => e.value), '500/day', 'the form holds the link\'s rate');
  await checkAnswer(link, 'the link');
  const spec = await (await fetch(`${base}/openapi.json`)).json();
  const fields = Object.keys(spec.components.schemas.WorkloadQuery.properties);
  const named = await page.$$eval('#workload [name]', (list) => list.map((e) => e.name));
  const missing = fields.filter((f) => !named.includes(f));
  check(missing.length === 0, `the form has a field for each of the ${fields.length} workload fields` +
    (missing.length ? `; none for ${missing.join(', ')}` : ''));
  const unlabelled = await page.$$eval('#workload input, #workload select', (list) =>
    list.filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id || e.name));
  check(unlabelled.length === 0, `every control has a label${unlabelled.length ? `; not ${unlabelled.join(', ')}` : ''}`);
  if (screenshot) {
    mkdirSync(dirname(resolve(screenshot)), { recursive: true });
    await page.screenshot({ path: screenshot });
    console.log(`ok - screenshot saved to ${screenshot}`);
  }

  // 2. Another workload, from the keyboard alone.
  const typeInto = async (value) => {
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(value);
  };
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
  await page.focus('#f-duration');
  await typeInto('2 mins');
  await page.keyboard.press('Tab');
  same(await focused(), 'f-memory', 'Tab goes from duration to memory');
  await typeInto('4GB');
  await page.keyboard.press('Tab');
  same(await focused(), 'f-invocations', 'Tab goes from memory to the rate');
  await typeInto('20 an hour');
  // Open "Latency and start-up" from the keyboard, and give a latency budget in it.
  const summary = await page.$$eval('details.group > summary', (list) =>
    list.findIndex((s) => s.textContent.startsWith('Latency')));
  check(summary >= 0, 'the latency settings are in a folded section');
  await page.evaluate((i) => document.querySelectorAll('details.group > summary')[i].focus(), summary);
  await page.keyboard.press('Enter');
  check(await page.evaluate((i) => document.querySelectorAll('details.group')[i].open, summary),
    'Enter on its summary opens it');
  await page.keyboard.press('Tab');
  same(await focused(), 'f-latency_sensitive', 'Tab enters the section');
  await page.keyboard.press('Tab');
  same(await focused(), 'f-latency_budget', 'Tab reaches the latency budget');
  await typeInto('45s');
  await page.keyboard.press('Enter');
  same(await settled(), 'done', 'Enter submits the form and an answer comes');
  const second = 'duration=2+mins&memory=4GB&invocations=20+an+hour&latency_budget=45s';
  same(await page.evaluate(() => location.search), `?${second}`, 'the address is the new workload\'s link');
  await checkAnswer(second, 'the typed workload');

  // 3. A value the API refuses, named next to its field.
  await page.focus('#f-duration');
  await typeInto('5 parsecs');
  await page.keyboard.press('Enter');
  same(await settled(), 'error', 'a refused value ends in an error');
  const bad = await api('/advise', 'duration=5+parsecs&memory=4GB&invocations=20+an+hour&latency_budget=45s');
  same(bad.status, 400, 'the API refuses it');
  same(bad.doc.error.field, 'duration', 'the API names the field');
  same(await text('#e-duration'), `Error: ${bad.doc.error.message}`, 'its message is shown next to the duration field');
  same(await page.$eval('#f-duration', (e) => e.getAttribute('aria-invalid')), 'true', 'the field is marked invalid');
  same(await focused(), 'f-duration', 'the field has the focus');
  check(await page.$eval('#result', (e) => e.hidden), 'no stale answer stays on show');

  await page.goto(`${base}/?${link}&fargate.vcpu=lots`);
  same(await settled(), 'error', 'a link with a bad pinned Fargate size ends in an error');
  const pinned = await page.$eval('#f-fargate-vcpu', (e) => ({
    open: e.closest('details').open,
    error: document.getElementById('e-fargate-vcpu').textContent,
  }));
  check(pinned.open && pinned.error.startsWith('Error: fargate.vcpu'),
    `an error in a folded section opens it and shows there: "${pinned.error}"`);

  // 4. Back and forward through answers.
  await page.goto(`${base}/?${link}`);
  await settled();
  await page.focus('#f-memory');
  await typeInto('2GB');
  await page.keyboard.press('Enter');
  same(await settled(), 'done', 'a second answer');
  await page.goBack();
  await page.waitForFunction(() => document.getElementById('f-memory').value === '1GB');
  same(await settled(), 'done', 'Back brings the previous workload back');
  await checkAnswer(link, 'after Back');

  // 5. A phone-sized screen.
  await page.setViewport({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `at 390 px wide the page does not scroll sideways (${overflow} px)`);

  const violations = await page.evaluate(() => window.cspViolations || []);
  check(violations.length === 0, `no CSP violation${violations.length ? `: ${violations.join('; ')}` : ''}`);
  check(problems.length === 0, `no script error${problems.length ? `: ${problems.join('; ')}` : ''}`);
  console.log('browser: every check held');
} catch (e) {
  status = 1;
  console.log(`FAIL ${e instanceof Failure ? e.message : e.stack}`);
  console.log('--- server log (tail) ---\n' + log.slice(-20).join('\n'));
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
process.exit(status);
