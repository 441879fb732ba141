#!/usr/bin/env node
// validate.mjs - checks the HTTP exchanges the test suite logged against openapi/openapi.yaml.
//
// Usage: node tests/contract/validate.mjs [--spec FILE] [--examples] [LOG]
//
// LOG is a JSON-lines file written by tests/httpclient.c when CF_CONTRACT_LOG names it: one
// object per exchange, {"method", "path", "query", "status", "content_type", "headers", "body"}.
// For each exchange the route is found among the spec's path templates (a literal path wins
// over a template, as in OpenAPI and in the router), then the operation by method (HEAD falls
// back to GET), then the response by status (exact, then "4XX"-style ranges). Failures:
//   - a status the operation does not list, or a route or method the spec does not have
//     (unless the answer is the spec's own 404 or 405, see below);
//   - a content type the response does not list, or a body where the spec lists none;
//   - a JSON body that does not validate, with ajv (JSON Schema 2020-12), against the schema of
//     that route, method, status and media type;
//   - a response header the spec marks required that is missing, or a header that does not
//     match its schema.
// A path no template matches must be answered with components.responses.NotFound, and a method
// a path does not have with components.responses.MethodNotAllowed: those are the router's
// answers for every such request, and OpenAPI has no way to list them per path.
// Paths under /test/ are test fixtures (routes the tests add to the server): their status is
// not checked against the spec, but their error bodies must still be the spec's Error.
//
// --examples also validates every example in the spec against its schema (the examples are
// copies of real responses, so this keeps them and the schemas honest). With --examples and no
// LOG only the examples are checked.
//
// Prints one line per failure and a summary; exits 1 on any failure, 2 on bad usage or an
// unreadable spec, 77 (the "skipped" status of meson and automake) when the npm packages are
// not installed, and 1 when the log is missing or holds no exchange.

import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

let Ajv2020, addFormats, yaml;
try {
  Ajv2020 = (await import('ajv/dist/2020.js')).default;
  addFormats = (await import('ajv-formats')).default;
  yaml = (await import('js-yaml')).default;
} catch (e) {
  console.log(`contract: SKIP: the npm packages are not installed (${e.code || e.message}); ` +
    `run \`npm ci\` in ${root} (scripts/lint-openapi does it)`);
  process.exit(77);
}

const FIXTURE_PREFIX = '/test/';
const DEFS_ID = 'urn:computefit:openapi';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function usage(msg) {
  console.error(`validate.mjs: ${msg}\nusage: node tests/contract/validate.mjs ` +
    '[--spec FILE] [--examples] [LOG]');
  process.exit(2);
}

const args = process.argv.slice(2);
let specPath = resolve(root, 'openapi', 'openapi.yaml');
let logPath = null;
let checkExamples = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--spec') specPath = args[++i] ?? usage('--spec needs a file');
  else if (args[i] === '--examples') checkExamples = true;
  else if (args[i].startsWith('-')) usage(`unknown option ${args[i]}`);
  else if (logPath === null) logPath = args[i];
  else usage('give one log file');
}
if (logPath === null && !checkExamples) usage('give the log file');

let spec;
try {
  spec = yaml.load(readFileSync(specPath, 'utf8'));
} catch (e) {
  console.error(`validate.mjs: cannot read the spec ${specPath}: ${e.message}`);
  process.exit(2);
}

// ---- schemas --------------------------------------------------------------------------------

// Every "#/components/schemas/X" becomes a reference into one registered schema that holds the
// components as $defs, so each response schema compiles on its own.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/'))
        out[k] = `${DEFS_ID}#/$defs/${v.slice('#/components/schemas/'.length)}`;
      else out[k] = rewriteRefs(v);
    }
    return out;
  }
  return node;
}

// OpenAPI's own schema keywords are annotations to a JSON Schema validator.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
ajv.addSchema({ $id: DEFS_ID, $defs: rewriteRefs(spec.components?.schemas ?? {}) });

const compiled = new Map();
function validatorFor(schema, where) {
  if (!compiled.has(schema)) {
    try {
      compiled.set(schema, ajv.compile(rewriteRefs(schema)));
    } catch (e) {
      console.error(`validate.mjs: the schema at ${where} does not compile: ${e.message}`);
      process.exit(2);
    }
  }
  return compiled.get(schema);
}

// Follows a local "$ref" to a components object (responses, headers, schemas...).
function deref(obj) {
  let seen = 0;
  while (obj && typeof obj.$ref === 'string' && obj.$ref.startsWith('#/') && seen++ < 16) {
    obj = obj.$ref.slice(2).split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o, k) => (o == null ? o : o[k]), spec);
  }
  return obj;
}

function errorsText(errors) {
  return (errors ?? []).slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message}` +
      (e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : '') +
      (e.params?.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : ''))
    .join('; ');
}

// ---- routes ---------------------------------------------------------------------------------

const routes = Object.entries(spec.paths ?? {}).map(([template, item]) => {
  const segs = template.split('/');
  const re = new RegExp('^' + segs.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+'
    : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/') + '$');
  return { template, item: deref(item), re, params: segs.filter((s) => s.startsWith('{')).length };
}).sort((a, b) => a.params - b.params); // literal paths first

function mediaEssence(ct) {
  return (ct ?? '').split(';')[0].trim().toLowerCase();
}
function isJsonType(essence) {
  return essence === 'application/json' || essence.endsWith('+json');
}

function responseFor(op, status) {
  const rs = op.responses ?? {};
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in rs);
  return key ? { key, resp: deref(rs[key]) } : null;
}

// ---- checking one exchange ------------------------------------------------------------------

let failures = 0;
const covered = new Set();
function fail(where, msg) {
  failures++;
  console.log(`FAIL ${where}: ${msg}`);
}

function checkResponse(x, where, resp, respName) {
  const method = String(x.method).toUpperCase();
  const headers = x.headers ?? {};
  for (const [name, h0] of Object.entries(resp.headers ?? {})) {
    const h = deref(h0);
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (h.required) fail(where, `the header ${name} is required by ${respName} but missing`);
      continue;
    }
    if (h.schema) {
      const v = validatorFor(h.schema, `${respName} header ${name}`);
      if (!v(value)) fail(where, `the header ${name}: ${JSON.stringify(value)}: ${errorsText(v.errors)}`);
    }
  }
  const content = resp.content ?? {};
  const essence = mediaEssence(x.content_type);
  const hasBody = typeof x.body === 'string' ? x.body.length > 0 : x.body != null;
  if (!x.content_type) {
    if (Object.keys(content).length && method !== 'HEAD')
      fail(where, `no Content-Type, but ${respName} lists ${Object.keys(content).join(', ')}`);
    return;
  }
  const key = Object.keys(content).find((k) => mediaEssence(k) === essence);
  if (!key) {
    fail(where, `Content-Type ${x.content_type} is not listed by ${respName}` +
      ` (it lists ${Object.keys(content).join(', ') || 'no content'})`);
    return;
  }
  if (method === 'HEAD') return; // no body to check
  if (x.body_error) {
    fail(where, `the body could not be logged: ${x.body_error}`);
    return;
  }
  if (!isJsonType(essence)) return;
  if (!hasBody) {
    fail(where, `an empty body where ${respName} lists ${key}`);
    return;
  }
  let doc;
  try {
    doc = JSON.parse(x.body);
  } catch (e) {
    fail(where, `the ${key} body is not JSON: ${e.message}`);
    return;
  }
  const schema = content[key].schema;
  if (!schema) return;
  const v = validatorFor(schema, `${respName} ${key}`);
  if (!v(doc)) fail(where, `the body does not match ${respName} ${key}: ${errorsText(v.errors)}`);
}

function checkExchange(x, lineNo) {
  const method = String(x.method ?? '').toUpperCase();
  const path = String(x.path ?? '');
  const where = `line ${lineNo}: ${method} ${path}${x.query ? '?' + x.query : ''} -> ${x.status}`;
  if (!Number.isInteger(x.status)) {
    fail(where, 'the log line has no integer status');
    return;
  }
  if (path.startsWith(FIXTURE_PREFIX)) {
    if (x.status >= 400) {
      const err = spec.components?.responses?.Error ? deref(spec.components.responses.Error) : null;
      if (err) checkResponse(x, where, err, 'components.responses.Error');
    }
    return;
  }
  const candidates = routes.filter((r) => r.re.test(path));
  if (!candidates.length) {
    covered.add(`(no route) ${x.status}`);
    if (x.status !== 404) fail(where, 'no path of the spec matches, and the answer is not 404');
    else checkResponse(x, where, deref({ $ref: '#/components/responses/NotFound' }),
      'components.responses.NotFound');
    return;
  }
  const lower = method.toLowerCase();
  let route = candidates.find((r) => r.item[lower]);
  let op = route?.item[lower];
  if (!op && lower === 'head') {
    route = candidates.find((r) => r.item.get);
    op = route?.item.get;
  }
  if (!op) {
    covered.add(`${candidates[0].template} ${method} ${x.status}`);
    if (x.status !== 405) fail(where, `the spec has no ${method} on ${candidates[0].template}, ` +
      'and the answer is not 405');
    else checkResponse(x, where, deref({ $ref: '#/components/responses/MethodNotAllowed' }),
      'components.responses.MethodNotAllowed');
    return;
  }
  const found = responseFor(op, x.status);
  const opName = `${method} ${route.template}`;
  covered.add(`${route.template} ${method} ${x.status}`);
  if (!found) {
    fail(where, `${opName} does not list status ${x.status} ` +
      `(it lists ${Object.keys(op.responses ?? {}).join(', ')})`);
    return;
  }
  checkResponse(x, where, found.resp, `${opName} ${found.key}`);
}

// ---- the spec's examples ----------------------------------------------------------------------

function checkSpecExamples() {
  let n = 0;
  const visit = (content, where) => {
    for (const [type, media] of Object.entries(content ?? {})) {
      if (!media.schema || !isJsonType(mediaEssence(type))) continue;
      const examples = [];
      if ('example' in media) examples.push(['example', media.example]);
      for (const [name, ex] of Object.entries(media.examples ?? {})) {
        const e = deref(ex);
        if (e && 'value' in e) examples.push([`examples.${name}`, e.value]);
      }
      for (const [name, value] of examples) {
        n++;
        const v = validatorFor(media.schema, `${where} ${type}`);
        if (!v(value)) fail(`${where} ${type} ${name}`, `the example does not match its schema: ` +
          errorsText(v.errors));
      }
    }
  };
  for (const [name, r] of Object.entries(spec.components?.responses ?? {}))
    visit(r.content, `components.responses.${name}`);
  for (const [template, item0] of Object.entries(spec.paths ?? {})) {
    const item = deref(item0);
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      visit(deref(op.requestBody)?.content, `${m.toUpperCase()} ${template} request`);
      for (const [status, r] of Object.entries(op.responses ?? {}))
        if (!r.$ref) visit(r.content, `${m.toUpperCase()} ${template} ${status}`);
    }
  }
  return n;
}

// ---- main -----------------------------------------------------------------------------------

if (checkExamples) {
  const n = checkSpecExamples();
  console.log(`contract: ${n} examples of the spec checked against their schemas`);
  if (n === 0) fail('spec', 'it holds no example to check');
}

if (logPath !== null) {
  if (!existsSync(logPath)) {
    console.log(`FAIL ${logPath}: the log does not exist; run the HTTP tests with ` +
      'CF_CONTRACT_LOG set (meson test does)');
    process.exit(1);
  }
  const lines = readFileSync(logPath, 'utf8').split('\n');
  let n = 0;
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    n++;
    let x;
    try {
      x = JSON.parse(text);
    } catch (e) {
      fail(`line ${i + 1}`, `not JSON: ${e.message}`);
      return;
    }
    checkExchange(x, i + 1);
  });
  if (n === 0) fail(logPath, 'the log holds no exchange: nothing was checked');
  console.log(`contract: ${n} exchanges checked, ${covered.size} distinct route/method/status ` +
    `seen, ${failures} failure${failures === 1 ? '' : 's'}`);
  if (process.env.CF_CONTRACT_VERBOSE)
    for (const c of [...covered].sort()) console.log(`  seen: ${c}`);
}

if (failures) {
  if (logPath === null) console.log(`contract: ${failures} failure${failures === 1 ? '' : 's'}`);
  process.exit(1);
}
