#!/usr/bin/env node
// validate.mjs - checks the deployment files in deploy/ against the APIs that will read them, then
// against computefit's own rules.
//
// Usage: node deploy/check/validate.mjs [--computefit BIN] [--botocore DIR] [--self-test]
//
// Kubernetes (deploy/kubernetes/*.yaml): every document is type-checked by TypeScript against
// kubernetes-types, the Kubernetes 1.30 API types generated from its OpenAPI document. A field the
// API does not have fails (TypeScript's excess-property check; the API server refuses it too under
// strict field validation, which kubectl asks for by default), and so do a value of the wrong
// type, a missing required field and an apiVersion or kind the API does not serve. We found the
// JSON Schemas of the Kubernetes API in no Debian or npm package (kubernetes-models ships
// compiled validators that accept unknown fields), so the types are the schema. What they cannot
// say: enumerations are plain strings (a misspelt restartPolicy passes), and a quantity is a
// string (the API also takes a number: write quantities quoted).
//
// AWS (deploy/ecs/*.json): each file is the input of one AWS API call, the JSON given to
// `aws ecs register-task-definition --cli-input-json file://...` and the like (AWS_FILES). It is
// validated with ajv against a JSON Schema made here from that operation's input shape in the AWS
// service model that botocore ships (Debian's python3-botocore, the model the AWS CLI checks its
// input against): unknown members, wrong types, missing required members, values outside an
// enum, lengths and ranges. Debian 12's model is of December 2022: a member ECS added later would
// be refused here.
//
// Then computefit's rules (the "policy" checks below): liveness on /healthz, readiness on /readyz,
// non-root and read-only with the state directory writable, resources set, secrets never in plain
// values, every COMPUTEFIT_* variable a setting the binary knows (from `BIN --help`), and the files
// agreeing with each other (ports, names, labels, image).
//
// --self-test then applies each mutation of NEGATIVE to a copy of the files and requires that the
// stage it names rejects it with the message it expects: the schemas must reject a wrong file, not
// only accept a right one.
//
// Prints one line per failure and a summary. Exits 0 when everything held, 1 on any failure, 2 on
// bad usage, 77 (skipped) when the npm packages or the botocore model are not installed.

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const deployDir = resolve(here, '..');

let ts, Ajv2020, yaml;
try {
  ts = (await import('typescript')).default;
  Ajv2020 = (await import('ajv/dist/2020.js')).default;
  yaml = (await import('js-yaml')).default;
  if (!existsSync(join(here, 'node_modules', 'kubernetes-types', 'apps', 'v1.d.ts'))) {
    throw Object.assign(new Error('kubernetes-types'), { code: 'ERR_MODULE_NOT_FOUND' });
  }
} catch (e) {
  console.log(`deploy: SKIP: the npm packages are not installed (${e.code || e.message}); ` +
    `run \`npm ci\` in ${here} (scripts/validate-deploy does it)`);
  process.exit(77);
}

// The AWS files: which API operation reads each, as `aws SERVICE OPERATION --cli-input-json`.
const AWS_FILES = {
  'ecs/task-definition.json': { service: 'ecs', operation: 'RegisterTaskDefinition' },
  'ecs/service.json': { service: 'ecs', operation: 'CreateService' },
  'ecs/target-group.json': { service: 'elbv2', operation: 'CreateTargetGroup' },
};

// Settings that hold credentials: they must come from a secret store, never a plain value.
const SECRET_SETTINGS = ['COMPUTEFIT_ADMIN_TOKEN', 'COMPUTEFIT_API_KEYS',
  'COMPUTEFIT_SLACK_SIGNING_SECRET', 'COMPUTEFIT_MATTERMOST_TOKEN', 'COMPUTEFIT_TEAMS_HMAC_SECRET'];
// Settings that issue 14 adds in other branches (items 1 and 3). While the binary does not know
// one of them, it is accepted with a note; once it does, it is checked like any other.
const ANNOUNCED_SETTINGS = ['COMPUTEFIT_RATES_URL', 'COMPUTEFIT_SLACK_SIGNING_SECRET',
  'COMPUTEFIT_MATTERMOST_TOKEN', 'COMPUTEFIT_TEAMS_HMAC_SECRET'];

const LIVENESS_PATH = '/healthz';
const READINESS_PATH = '/readyz';

function usage(msg) {
  console.error(`validate.mjs: ${msg}\nusage: node deploy/check/validate.mjs ` +
    '[--computefit BIN] [--botocore DIR] [--self-test]');
  process.exit(2);
}

const opts = { computefit: null, botocore: null, selfTest: false };
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--self-test') opts.selfTest = true;
    else if (args[i] === '--computefit' && i + 1 < args.length) opts.computefit = args[++i];
    else if (args[i] === '--botocore' && i + 1 < args.length) opts.botocore = args[++i];
    else usage(`unexpected argument "${args[i]}"`);
  }
}

// ---- loading ------------------------------------------------------------------------------------

// Returns [{file, index, doc}] for every YAML document of deploy/kubernetes, and {file: doc} for
// the AWS files.
function loadFiles() {
  const k8s = [];
  const kdir = join(deployDir, 'kubernetes');
  for (const name of readdirSync(kdir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = `kubernetes/${name}`;
    yaml.loadAll(readFileSync(join(kdir, name), 'utf8'), (doc) => {
      if (doc === null || doc === undefined) return;
      k8s.push({ file, index: k8s.filter((d) => d.file === file).length, doc });
    });
  }
  const aws = {};
  const edir = join(deployDir, 'ecs');
  for (const name of readdirSync(edir).filter((n) => n.endsWith('.json')).sort()) {
    aws[`ecs/${name}`] = JSON.parse(readFileSync(join(edir, name), 'utf8'));
  }
  return { k8s, aws };
}

// ---- Kubernetes: TypeScript against kubernetes-types ------------------------------------------

// "apps/v1" -> "kubernetes-types/apps/v1", "v1" -> ".../core/v1", "networking.k8s.io/v1" ->
// ".../networking/v1". The module only has to be found: each type names its exact apiVersion,
// so a wrong group still fails the type check.
function k8sModule(apiVersion) {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? 'core' : apiVersion.slice(0, slash).split('.')[0];
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return `kubernetes-types/${group}/${version}`;
}

// The dotted path of the deepest object property or array element around `pos` in the literal.
function literalPath(sf, pos) {
  const chain = [];
  const visit = (node) => {
    if (pos < node.getStart(sf) || pos >= node.getEnd()) return;
    chain.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = '';
  for (let i = 0; i < chain.length; i++) {
    const n = chain[i];
    if (ts.isPropertyAssignment(n)) {
      const key = ts.isStringLiteral(n.name) ? n.name.text : n.name.getText(sf);
      out += out ? `.${key}` : key;
    } else if (ts.isArrayLiteralExpression(n) && i + 1 < chain.length) {
      out += `[${n.elements.indexOf(chain[i + 1])}]`;
    }
  }
  return out || '(document)';
}

// Type-checks every item ({id, doc}) in one TypeScript program; returns Map id -> [messages].
function k8sSchemaErrors(items) {
  const options = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10, lib: ['lib.es2020.d.ts'],
  };
  const virtual = new Map();
  const byFile = new Map();
  const errors = new Map();
  items.forEach((item, n) => {
    errors.set(item.id, []);
    const { apiVersion, kind } = item.doc || {};
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' ||
        !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
      errors.get(item.id).push('(document): apiVersion and kind must name a Kubernetes type');
      return;
    }
    const name = join(here, `__manifest_${n}.ts`);
    virtual.set(name, `import type { ${kind} } from '${k8sModule(apiVersion)}';\n` +
      `export const doc: ${kind} = ${JSON.stringify(item.doc, null, 2)};\n`);
    byFile.set(name, item.id);
  });
  const host = ts.createCompilerHost(options);
  const base = {
    getSourceFile: host.getSourceFile, fileExists: host.fileExists, readFile: host.readFile,
  };
  host.getSourceFile = (f, lang, ...rest) => (virtual.has(f)
    ? ts.createSourceFile(f, virtual.get(f), lang, true)
    : base.getSourceFile.call(host, f, lang, ...rest));
  host.fileExists = (f) => virtual.has(f) || base.fileExists.call(host, f);
  host.readFile = (f) => (virtual.has(f) ? virtual.get(f) : base.readFile.call(host, f));
  const program = ts.createProgram([...virtual.keys()], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    // The literal's keys are JSON strings, which TypeScript quotes twice: '"name"'.
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ')
      .replace(/'"([^"']*)"'/g, "'$1'");
    const id = d.file && byFile.get(d.file.fileName);
    if (id === undefined) {
      // Not in a manifest: the compiler setup itself is broken (a missing lib, say).
      errors.set('(typescript)', [...(errors.get('(typescript)') || []), text]);
      continue;
    }
    errors.get(id).push(`${literalPath(d.file, d.start)}: ${text}`);
  }
  return errors;
}

// ---- AWS: ajv against the botocore service model ------------------------------------------------

function findBotocore() {
  const candidates = opts.botocore ? [opts.botocore]
    : ['/usr/lib/python3/dist-packages/botocore/data'];
  return candidates.find((d) => existsSync(join(d, 'ecs')));
}

function loadModel(dataDir, service) {
  const sdir = join(dataDir, service);
  const version = readdirSync(sdir).filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v)).sort().pop();
  const plain = join(sdir, version, 'service-2.json');
  const text = existsSync(plain) ? readFileSync(plain, 'utf8')
    : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
  return JSON.parse(text);
}

// The JSON Schema of one shape of a botocore model, its dependencies added to `defs`.
function shapeSchema(model, name, defs) {
  if (defs[name]) return;
  defs[name] = true; // placeholder while recursing (shapes may refer to themselves)
  const s = model.shapes[name];
  const ref = (shape) => {
    shapeSchema(model, shape, defs);
    return { $ref: `#/$defs/${shape}` };
  };
  let out;
  switch (s.type) {
    case 'structure':
      out = { type: 'object', properties: {}, additionalProperties: false };
      for (const [member, m] of Object.entries(s.members || {})) {
        out.properties[member] = ref(m.shape);
      }
      if (s.required && s.required.length) out.required = s.required;
      break;
    case 'list':
      out = { type: 'array', items: ref(s.member.shape) };
      if (s.min !== undefined) out.minItems = s.min;
      if (s.max !== undefined) out.maxItems = s.max;
      break;
    case 'map':
      out = {
        type: 'object', propertyNames: ref(s.key.shape), additionalProperties: ref(s.value.shape),
      };
      break;
    case 'string':
      out = { type: 'string' };
      if (s.enum) out.enum = s.enum;
      if (s.min !== undefined) out.minLength = s.min;
      if (s.max !== undefined) out.maxLength = s.max;
      if (s.pattern) out.pattern = s.pattern;
      break;
    case 'integer':
    case 'long':
      out = { type: 'integer' };
      if (s.min !== undefined) out.minimum = s.min;
      if (s.max !== undefined) out.maximum = s.max;
      break;
    case 'double':
    case 'float':
      out = { type: 'number' };
      break;
    case 'boolean':
      out = { type: 'boolean' };
      break;
    case 'timestamp':
      out = { type: ['string', 'number'] };
      break;
    case 'blob':
      out = { type: 'string' };
      break;
    default:
      throw new Error(`botocore shape ${name}: type ${s.type} is not mapped`);
  }
  defs[name] = out;
}

// Returns {relpath: validate function} for AWS_FILES, or null when the model is not installed.
function awsValidators() {
  const dataDir = findBotocore();
  if (!dataDir) return null;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const models = {};
  const init = join(dataDir, '..', '__init__.py');
  const version = existsSync(init)
    ? (readFileSync(init, 'utf8').match(/__version__ = '([^']+)'/) || [])[1] : undefined;
  const out = {};
  for (const [file, { service, operation }] of Object.entries(AWS_FILES)) {
    models[service] ||= loadModel(dataDir, service);
    const model = models[service];
    const op = model.operations[operation];
    if (!op || !op.input) {
      throw new Error(`botocore ${service} model has no operation ${operation}`);
    }
    const defs = {};
    shapeSchema(model, op.input.shape, defs);
    out[file] = ajv.compile({ $defs: defs, $ref: `#/$defs/${op.input.shape}` });
    out[file].label = `${service} ${operation} (API ${model.metadata.apiVersion}, ` +
      `botocore ${version || '?'})`;
  }
  return out;
}

function awsSchemaErrors(validators, file, doc) {
  const validate = validators[file];
  if (!validate) return [`no AWS operation is known for ${file}: add it to AWS_FILES`];
  if (validate(doc)) return [];
  return validate.errors.map((e) => {
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(document)';
    let what = e.message;
    if (e.keyword === 'additionalProperties') {
      what = `unknown member "${e.params.additionalProperty}"`;
    }
    if (e.keyword === 'enum') what = `must be one of ${e.params.allowedValues.join(', ')}`;
    return `${where}: ${what}`;
  });
}

// ---- computefit's rules ------------------------------------------------------------------------

// The COMPUTEFIT_* variables the binary reads, from its --help; null when no binary was given.
function knownSettings() {
  if (!opts.computefit) return null;
  const help = execFileSync(opts.computefit, ['--help'], { encoding: 'utf8' });
  const names = new Set(['COMPUTEFIT_CONFIG']);
  for (const m of help.matchAll(/^\s+--[a-z0-9-]+\s+(COMPUTEFIT_[A-Z0-9_]+)$/gm)) names.add(m[1]);
  if (names.size < 10) {
    throw new Error(`${opts.computefit} --help listed only ${names.size} variables`);
  }
  return names;
}

const notes = new Set();

function checkSettingName(name, settings, where, fail) {
  if (!name.startsWith('COMPUTEFIT_') || !settings || settings.has(name)) return;
  if (ANNOUNCED_SETTINGS.includes(name)) {
    notes.add(`${name} is not a setting of this binary yet (announced by issue 14)`);
    return;
  }
  fail(`${where}: ${name} is not a computefit setting (computefit --help); ` +
    'the process would exit 2');
}

// The rules run on files the schemas may have rejected: what they iterate may be anything.
const arr = (x) => (Array.isArray(x) ? x : []);
const obj = (x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? x : {});

function podContainers(spec) {
  return [...arr(spec.initContainers), ...arr(spec.containers)].map(obj);
}

function checkContainerSecurity(pod, c, where, fail) {
  const psc = obj(pod.securityContext);
  const csc = obj(c.securityContext);
  const nonRoot = csc.runAsNonRoot ?? psc.runAsNonRoot;
  const uid = csc.runAsUser ?? psc.runAsUser;
  if (nonRoot !== true) fail(`${where}: runAsNonRoot must be true (pod or container)`);
  if (uid === 0) fail(`${where}: runAsUser must not be 0`);
  if (csc.readOnlyRootFilesystem !== true) {
    fail(`${where}: securityContext.readOnlyRootFilesystem must be true`);
  }
  if (csc.allowPrivilegeEscalation !== false) {
    fail(`${where}: securityContext.allowPrivilegeEscalation must be false`);
  }
}

function checkEnv(env, settings, where, fail) {
  for (const [i, e] of arr(env).map(obj).entries()) {
    checkSettingName(e.name, settings, `${where}.env[${i}]`, fail);
    if (SECRET_SETTINGS.includes(e.name) && (e.value !== undefined || !e.valueFrom?.secretKeyRef)) {
      fail(`${where}.env[${i}]: ${e.name} holds a credential: ` +
        'take it from a Secret (valueFrom.secretKeyRef)');
    }
  }
}

function hasMount(mounts, path) {
  return arr(mounts).map(obj).some((m) => typeof m.mountPath === 'string' &&
    (path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)));
}

function checkKubernetes(k8s, settings, fail) {
  const find = (kind, name) => k8s.find((d) => d.doc?.kind === kind &&
    (!name || d.doc.metadata?.name === name));
  for (const { file, index, doc } of k8s) {
    if (!doc?.metadata?.name) fail(`${file}#${index}: metadata.name is required`);
  }
  const dep = find('Deployment', 'computefit');
  if (!dep) {
    fail('kubernetes: no Deployment named computefit');
    return;
  }
  const at = `${dep.file}: spec.template.spec`;
  const pod = obj(dep.doc.spec?.template?.spec);
  const c = arr(pod.containers).map(obj).find((x) => x.name === 'computefit');
  if (!c) {
    fail(`${at}.containers: no container named computefit`);
    return;
  }
  const cat = `${at}.containers[computefit]`;
  const ports = arr(c.ports).map(obj);
  const portKnown = (p) => ports.some((x) => x.name === p || x.containerPort === p);
  const probes = [['livenessProbe', LIVENESS_PATH], ['readinessProbe', READINESS_PATH]];
  for (const [probe, path] of probes) {
    const get = c[probe]?.httpGet;
    if (!get) fail(`${cat}.${probe}: an httpGet probe on ${path} is required`);
    else {
      if (get.path !== path) fail(`${cat}.${probe}.httpGet.path: must be ${path}, is ${get.path}`);
      if (!portKnown(get.port)) {
        fail(`${cat}.${probe}.httpGet.port: ${get.port} is not a port of the container`);
      }
    }
  }
  const res = obj(c.resources);
  for (const [k, r] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'memory']]) {
    if (!res[k]?.[r]) fail(`${cat}.resources.${k}.${r}: must be set`);
  }
  checkContainerSecurity(pod, c, cat, fail);
  checkEnv(c.env, settings, cat, fail);
  const stateDir = arr(c.env).map(obj).find((e) => e.name === 'COMPUTEFIT_STATE_DIR')?.value;
  if (typeof stateDir === 'string' && c.securityContext?.readOnlyRootFilesystem &&
      !hasMount(c.volumeMounts, stateDir)) {
    fail(`${cat}.volumeMounts: the state directory ${stateDir} needs a writable volume ` +
      '(the root is read-only)');
  }
  const labels = obj(dep.doc.spec?.template?.metadata?.labels);
  for (const [k, v] of Object.entries(obj(dep.doc.spec?.selector?.matchLabels))) {
    if (labels[k] !== v) {
      fail(`${dep.file}: spec.selector.matchLabels.${k} does not match the pod template's labels`);
    }
  }

  const hpa = find('HorizontalPodAutoscaler');
  if (!hpa) fail('kubernetes: no HorizontalPodAutoscaler');
  else {
    const ref = obj(hpa.doc.spec?.scaleTargetRef);
    if (ref.kind !== 'Deployment' || ref.name !== 'computefit') {
      fail(`${hpa.file}: spec.scaleTargetRef must name the Deployment computefit`);
    }
    if (dep.doc.spec?.replicas !== undefined) {
      fail(`${dep.file}: spec.replicas is set, but the HorizontalPodAutoscaler owns the count ` +
        '(each apply would reset it)');
    }
  }

  const svc = find('Service', 'computefit');
  if (!svc) fail('kubernetes: no Service named computefit');
  else {
    for (const [k, v] of Object.entries(obj(svc.doc.spec?.selector))) {
      if (labels[k] !== v) fail(`${svc.file}: spec.selector.${k} selects no pod of the Deployment`);
    }
    for (const [i, p] of arr(svc.doc.spec?.ports).map(obj).entries()) {
      if (!portKnown(p.targetPort ?? p.port)) {
        fail(`${svc.file}: spec.ports[${i}].targetPort is not a port of the computefit container`);
      }
    }
  }

  const cron = find('CronJob');
  if (!cron) fail('kubernetes: no CronJob (the snapshot publisher)');
  else {
    const cpod = obj(cron.doc.spec?.jobTemplate?.spec?.template?.spec);
    const cpat = `${cron.file}: spec.jobTemplate.spec.template.spec`;
    const all = podContainers(cpod);
    for (const x of all) {
      checkContainerSecurity(cpod, x, `${cpat}.containers[${x.name}]`, fail);
      checkEnv(x.env, settings, `${cpat}.containers[${x.name}]`, fail);
      if (!x.resources?.limits?.memory) {
        fail(`${cpat}.containers[${x.name}].resources.limits.memory: must be set`);
      }
    }
    const builder = all.find((x) => arr(x.command)[0] === 'computefit-snapshot');
    if (!builder) fail(`${cpat}: no container runs computefit-snapshot`);
    else {
      const args = arr(builder.command);
      const outIdx = args.indexOf('--output');
      const output = outIdx >= 0 ? args[outIdx + 1] : undefined;
      const bat = `${cpat}.containers[${builder.name}]`;
      if (!output) fail(`${bat}: computefit-snapshot needs --output FILE`);
      else {
        if (!hasMount(builder.volumeMounts, output)) {
          fail(`${bat}: --output ${output} is not on a volume`);
        }
        const readers = all.filter((x) => x !== builder && arr(x.command).includes(output));
        if (!readers.length) fail(`${cpat}: no container publishes ${output}`);
        for (const r of readers) {
          if (!hasMount(r.volumeMounts, output)) {
            fail(`${cpat}.containers[${r.name}]: reads ${output} but does not mount its volume`);
          }
        }
      }
      if (builder.image !== c.image) {
        fail(`${bat}.image: ${builder.image} is not the Deployment's ${c.image}`);
      }
    }
  }
}

function checkAws(aws, settings, fail) {
  const tdFile = 'ecs/task-definition.json';
  const td = aws[tdFile];
  if (!td) {
    fail(`${tdFile}: missing`);
    return;
  }
  if (arr(td.requiresCompatibilities).includes('FARGATE')) {
    if (!td.cpu || !td.memory) fail(`${tdFile}: cpu and memory are required on Fargate`);
  }
  const c = arr(td.containerDefinitions).map(obj).find((x) => x.name === 'computefit');
  if (!c) {
    fail(`${tdFile}: containerDefinitions: no container named computefit`);
    return;
  }
  const cat = `${tdFile}: containerDefinitions[computefit]`;
  const hc = arr(obj(c.healthCheck).command);
  if (!hc.some((a) => String(a).includes(LIVENESS_PATH))) {
    fail(`${cat}.healthCheck.command: must probe ${LIVENESS_PATH}`);
  }
  if (!c.logConfiguration?.logDriver) fail(`${cat}.logConfiguration: must be set`);
  if (c.readonlyRootFilesystem !== true) fail(`${cat}.readonlyRootFilesystem: must be true`);
  if (c.user !== undefined && /^(0|root)(:|$)/.test(String(c.user))) {
    fail(`${cat}.user: must not be root`);
  }
  for (const [i, e] of arr(c.environment).map(obj).entries()) {
    checkSettingName(e.name, settings, `${cat}.environment[${i}]`, fail);
    if (SECRET_SETTINGS.includes(e.name)) {
      fail(`${cat}.environment[${i}]: ${e.name} holds a credential: move it to secrets`);
    }
  }
  for (const [i, s] of arr(c.secrets).map(obj).entries()) {
    checkSettingName(s.name, settings, `${cat}.secrets[${i}]`, fail);
    if (!/^arn:aws[a-z-]*:(ssm|secretsmanager):/.test(String(s.valueFrom))) {
      fail(`${cat}.secrets[${i}].valueFrom: must be an SSM parameter or Secrets Manager ARN`);
    }
  }
  const stateDir = arr(c.environment).map(obj)
    .find((e) => e.name === 'COMPUTEFIT_STATE_DIR')?.value;
  const mounted = (dir) => arr(c.mountPoints).map(obj)
    .some((m) => dir === m.containerPath || dir.startsWith(`${m.containerPath}/`));
  if (typeof stateDir === 'string' && c.readonlyRootFilesystem && !mounted(stateDir)) {
    fail(`${cat}.mountPoints: the state directory ${stateDir} needs a volume ` +
      '(the root is read-only)');
  }
  const containerPorts = arr(c.portMappings).map((p) => obj(p).containerPort);

  const svcFile = 'ecs/service.json';
  const svc = aws[svcFile];
  if (!svc) fail(`${svcFile}: missing`);
  else {
    if (String(svc.taskDefinition).split(':')[0] !== td.family) {
      fail(`${svcFile}: taskDefinition must be the family ${td.family}`);
    }
    for (const [i, lb] of arr(svc.loadBalancers).map(obj).entries()) {
      const lat = `${svcFile}: loadBalancers[${i}]`;
      if (lb.containerName !== 'computefit') fail(`${lat}.containerName must be computefit`);
      if (!containerPorts.includes(lb.containerPort)) {
        fail(`${lat}.containerPort is not a port mapping of the container`);
      }
    }
  }
  const tgFile = 'ecs/target-group.json';
  const tg = aws[tgFile];
  if (!tg) fail(`${tgFile}: missing`);
  else {
    if (tg.HealthCheckPath !== READINESS_PATH) {
      fail(`${tgFile}: HealthCheckPath must be ${READINESS_PATH} (readiness), ` +
        `is ${tg.HealthCheckPath}`);
    }
    if (!containerPorts.includes(tg.Port)) {
      fail(`${tgFile}: Port is not a port mapping of the container`);
    }
    if (td.networkMode === 'awsvpc' && tg.TargetType !== 'ip') {
      fail(`${tgFile}: TargetType must be ip for awsvpc tasks`);
    }
  }
}

// ---- running the checks -------------------------------------------------------------------------

// Checks one set of files; returns [{stage, message}].
function checkSet(set, k8sErrors, validators, settings, idPrefix) {
  const out = [];
  for (const d of set.k8s) {
    for (const m of k8sErrors.get(`${idPrefix}${d.file}#${d.index}`) || []) {
      out.push({ stage: 'schema', message: `${d.file}#${d.index} (${d.doc?.kind}): ${m}` });
    }
  }
  for (const [file, doc] of Object.entries(set.aws)) {
    for (const m of awsSchemaErrors(validators, file, doc)) {
      out.push({ stage: 'schema', message: `${file} (${validators[file]?.label || '?'}): ${m}` });
    }
  }
  const fail = (message) => out.push({ stage: 'policy', message });
  checkKubernetes(set.k8s, settings, fail);
  checkAws(set.aws, settings, fail);
  return out;
}

// The negative tests: each mutates one file; `stage` must reject it with a message matching
// `expect`. Paths are arrays of keys and indexes; `kind` picks the YAML document.
const DEP = { file: 'kubernetes/deployment.yaml', kind: 'Deployment' };
const POD = ['spec', 'template', 'spec'];
const CTR = [...POD, 'containers', 0];
const TD = { file: 'ecs/task-definition.json' };
const TDC = ['containerDefinitions', 0];
const NEGATIVE = [
  // Kubernetes, schema: typo'd fields, wrong types, a missing required field, a wrong API.
  { ...DEP, name: 'Deployment: typo in a container field',
    rename: [...CTR, 'imagePullPolicy', 'imagePulPolicy'], value: 'IfNotPresent', stage: 'schema',
    expect: /containers\[0\]\.imagePulPolicy: .* does not exist in type 'Container'/ },
  { ...DEP, name: 'Deployment: typo in resources',
    rename: [...CTR, 'resources', 'limits', 'limit'],
    stage: 'schema', expect: /resources\.limit: .*'limit' does not exist/ },
  { ...DEP, name: 'Deployment: containerPort as a string',
    set: [...CTR, 'ports', 0, 'containerPort'], value: '8080', stage: 'schema',
    expect: /ports\[0\]\.containerPort: Type 'string' is not assignable to type 'number'/ },
  { ...DEP, name: 'Deployment: a container without its required name',
    delete: [...CTR, 'name'], stage: 'schema', expect: /Property 'name' is missing/ },
  { ...DEP, name: 'Deployment: an apiVersion that does not serve Deployments',
    set: ['apiVersion'], value: 'apps/v1beta1', stage: 'schema',
    expect: /Cannot find module 'kubernetes-types\/apps\/v1beta1'/ },
  { file: 'kubernetes/hpa.yaml', kind: 'HorizontalPodAutoscaler',
    name: 'HPA: averageUtilization as a string',
    set: ['spec', 'metrics', 0, 'resource', 'target', 'averageUtilization'], value: '70',
    stage: 'schema',
    expect: /averageUtilization: Type 'string' is not assignable to type 'number'/ },
  { file: 'kubernetes/snapshot-cronjob.yaml', kind: 'CronJob', name: 'CronJob: typo in jobTemplate',
    rename: ['spec', 'jobTemplate', 'jobtemplate'],
    stage: 'schema', expect: /'jobtemplate' does not exist in type 'CronJobSpec'/ },
  { file: 'kubernetes/service.yaml', kind: 'Service', name: 'Service: port as a string',
    set: ['spec', 'ports', 0, 'port'], value: '80', stage: 'schema',
    expect: /ports\[0\]\.port: Type 'string' is not assignable to type 'number'/ },
  // AWS, schema.
  { ...TD, name: 'task definition: typo in a container member',
    rename: [...TDC, 'portMappings', 'portMapings'],
    stage: 'schema', expect: /containerDefinitions\.0: unknown member "portMapings"/ },
  { ...TD, name: 'task definition: container memory as a string',
    set: [...TDC, 'memory'], value: '512',
    stage: 'schema', expect: /containerDefinitions\.0\.memory: must be integer/ },
  { ...TD, name: 'task definition: a log driver ECS does not have',
    set: [...TDC, 'logConfiguration', 'logDriver'], value: 'awslogz',
    stage: 'schema', expect: /logConfiguration\.logDriver: must be one of .*awslogs/ },
  { ...TD, name: 'task definition: without its required family',
    delete: ['family'], stage: 'schema', expect: /must have required property 'family'/ },
  { ...TD, name: 'task definition: health check command as a string',
    set: [...TDC, 'healthCheck', 'command'], value: 'curl -f http://127.0.0.1:8080/healthz',
    stage: 'schema', expect: /healthCheck\.command: must be array/ },
  { file: 'ecs/service.json', name: 'service: a launch type ECS does not have',
    set: ['launchType'], value: 'FARGATE_SPOT',
    stage: 'schema', expect: /launchType: must be one of EC2, FARGATE, EXTERNAL/ },
  { file: 'ecs/service.json', name: 'service: desiredCount as a string',
    set: ['desiredCount'], value: '2', stage: 'schema', expect: /desiredCount: must be integer/ },
  { file: 'ecs/target-group.json', name: 'target group: typo in a member',
    rename: ['HealthCheckPath', 'HealthcheckPath'],
    stage: 'schema', expect: /unknown member "HealthcheckPath"/ },
  // computefit's rules.
  { ...DEP, name: 'Deployment: liveness on /readyz',
    set: [...CTR, 'livenessProbe', 'httpGet', 'path'], value: '/readyz',
    stage: 'policy', expect: /livenessProbe\.httpGet\.path: must be \/healthz/ },
  { ...DEP, name: 'Deployment: writable root filesystem',
    set: [...CTR, 'securityContext', 'readOnlyRootFilesystem'], value: false,
    stage: 'policy', expect: /readOnlyRootFilesystem must be true/ },
  { ...DEP, name: 'Deployment: runs as root',
    set: [...POD, 'securityContext', 'runAsUser'], value: 0,
    stage: 'policy', expect: /runAsUser must not be 0/ },
  { ...DEP, name: 'Deployment: a variable that is not a setting',
    set: [...CTR, 'env', 0, 'name'], value: 'COMPUTEFIT_THREAD', needsSettings: true,
    stage: 'policy', expect: /COMPUTEFIT_THREAD is not a computefit setting/ },
  { ...DEP, name: 'Deployment: a credential as a plain value',
    set: [...CTR, 'env', 3], value: { name: 'COMPUTEFIT_ADMIN_TOKEN', value: 'hunter2' },
    stage: 'policy', expect: /COMPUTEFIT_ADMIN_TOKEN holds a credential/ },
  { ...DEP, name: 'Deployment: replicas beside the autoscaler',
    set: ['spec', 'replicas'], value: 2, stage: 'policy', expect: /spec\.replicas is set/ },
  { file: 'kubernetes/service.yaml', kind: 'Service',
    name: 'Service: a target port the container does not have',
    set: ['spec', 'ports', 0, 'targetPort'], value: 'metrics',
    stage: 'policy', expect: /targetPort is not a port/ },
  { ...TD, name: 'task definition: health check on /readyz',
    set: [...TDC, 'healthCheck', 'command'],
    value: ['CMD', 'curl', '-f', 'http://127.0.0.1:8080/readyz'],
    stage: 'policy', expect: /healthCheck\.command: must probe \/healthz/ },
  { ...TD, name: 'task definition: a credential in the environment',
    set: [...TDC, 'environment', 0], value: { name: 'COMPUTEFIT_API_KEYS', value: 'k1' },
    stage: 'policy', expect: /COMPUTEFIT_API_KEYS holds a credential/ },
  { ...TD, name: 'task definition: the state directory without a volume',
    delete: [...TDC, 'mountPoints'],
    stage: 'policy', expect: /state directory \/var\/lib\/computefit needs a volume/ },
  { file: 'ecs/target-group.json', name: 'target group: readiness on /healthz',
    set: ['HealthCheckPath'], value: '/healthz',
    stage: 'policy', expect: /HealthCheckPath must be \/readyz/ },
];

function walk(obj, path) {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (o === null || typeof o !== 'object' || !(k in o)) throw new Error(`no ${path.join('.')}`);
    o = o[k];
  }
  return o;
}

// Applies one NEGATIVE mutation to a deep copy of `set`.
function mutate(set, t) {
  const copy = structuredClone(set);
  let target;
  if (t.file.startsWith('kubernetes/')) {
    const d = copy.k8s.find((x) => x.file === t.file && x.doc?.kind === t.kind);
    if (!d) throw new Error(`${t.file} has no ${t.kind}`);
    target = d.doc;
  } else {
    target = copy.aws[t.file];
    if (!target) throw new Error(`no ${t.file}`);
  }
  if (t.rename) {
    const path = t.rename.slice(0, -1);
    const o = walk(target, path);
    const key = path[path.length - 1];
    if (!(key in o) && t.value === undefined) throw new Error(`no ${path.join('.')}`);
    const v = key in o ? o[key] : t.value;
    delete o[key];
    o[t.rename[t.rename.length - 1]] = v;
  } else if (t.set) {
    walk(target, t.set)[t.set[t.set.length - 1]] = structuredClone(t.value);
  } else if (t.delete) {
    const o = walk(target, t.delete);
    const key = t.delete[t.delete.length - 1];
    if (!(key in o)) throw new Error(`no ${t.delete.join('.')}`);
    delete o[key];
  }
  return copy;
}

let failures = 0;
const files = loadFiles();
const validators = awsValidators();
if (!validators) {
  console.log('deploy: SKIP: the botocore service models are not installed ' +
    '(Debian: python3-botocore; ' +
    'or give --botocore DIR, the botocore/data folder)');
  process.exit(77);
}
const settings = knownSettings();

const sets = [{ id: '', set: files }];
if (opts.selfTest) {
  NEGATIVE.forEach((t, n) => {
    if (t.needsSettings && !settings) return;
    sets.push({ id: `neg${n}:`, set: mutate(files, t), test: t });
  });
}
const k8sItems = sets.flatMap(({ id, set }) =>
  set.k8s.map((d) => ({ id: `${id}${d.file}#${d.index}`, doc: d.doc })));
const k8sErrors = k8sSchemaErrors(k8sItems);
for (const m of k8sErrors.get('(typescript)') || []) {
  console.log(`FAIL typescript: ${m}`);
  failures++;
}

const committed = checkSet(files, k8sErrors, validators, settings, '');
for (const e of committed) {
  console.log(`FAIL ${e.stage}: ${e.message}`);
  failures++;
}
const nDocs = files.k8s.length + Object.keys(files.aws).length;
const labels = [...new Set(Object.values(validators).map((v) => v.label))].join('; ');
console.log(`deploy: ${nDocs} documents (${files.k8s.length} Kubernetes, ` +
  `${Object.keys(files.aws).length} AWS): ${committed.length ? 'INVALID' : 'valid'}; ` +
  `AWS model: ${labels}`);
if (!settings) {
  console.log('deploy: COMPUTEFIT_* names not checked against a binary (no --computefit)');
}
for (const n of notes) console.log(`deploy: note: ${n}`);

if (opts.selfTest) {
  let rejected = 0;
  for (const { id, set, test } of sets.slice(1)) {
    const errs = checkSet(set, k8sErrors, validators, settings, id);
    const hit = errs.find((e) => e.stage === test.stage && test.expect.test(e.message));
    if (hit) {
      rejected++;
      console.log(`ok   rejected: ${test.name}\n       ${hit.message}`);
    } else {
      failures++;
      const got = errs.map((e) => `[${e.stage}] ${e.message}`).join('\n         ');
      console.log(`FAIL not rejected by ${test.stage}: ${test.name}` +
        (errs.length ? `\n       got instead: ${got}` : ' (no error at all)'));
    }
  }
  console.log(`deploy: self-test: ${rejected} of ${sets.length - 1} wrong files ` +
    'rejected as expected');
}
console.log(failures ? `deploy: FAILED (${failures})` : 'deploy: ok');
process.exit(failures ? 1 : 0);
