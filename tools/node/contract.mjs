// node tools/node/contract.mjs SPEC LOGDIR: the contract test.  Every response the
// integration suite received (tests/lib/SCPTest.pm writes them to LOGDIR/*.jsonl when
// SCP_CONTRACT_LOG is set) is checked against the OpenAPI document SPEC:
//   * its path and method name an operation (a listed path with another method must be
//     405 METHOD_NOT_ALLOWED, any path not listed 404 NOT_FOUND: the spec's conventions);
//   * its status is one the operation documents (exactly, as NXX, or `default`);
//   * its content type is one documented for that status, and a JSON body validates
//     against that media type's schema (JSON Schema 2020-12, as OpenAPI 3.1 uses: ajv);
//   * and names no member its schema does not (JSON Schema would allow one unless the
//     schema forbids it, but an undocumented field is the docs drifting from the code).
// The profiles' mounts (/selliko/, /api/ but not /api/v1/, /prokip/) answer in a dialect
// (docs/profiles.md): their errors are never rendered, so they are checked against the
// canonical operation; their successes are checked against the derived profile document
// (tools/node/profile-spec.mjs) when PROFILE_SPECS names its directory, else only their
// status.  Prints every mismatch grouped by operation and status; exit 1 if any.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [specFile, logDir] = process.argv.slice(2);
if (!specFile || !logDir) {
    console.error('usage: contract.mjs SPEC LOGDIR');
    process.exit(2);
}

const PROFILE_MOUNTS = [
    { profile: 'selliko', re: /^\/selliko\/(.*)$/ },
    { profile: 'prokip', re: /^\/prokip\/(.*)$/ },
    { profile: 'cliick', re: /^\/api\/(?!v1(?:\/|$))(.*)$/ },
];
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];

function loadDoc(file) {
    return YAML.parse(fs.readFileSync(file, 'utf8'), { maxAliasCount: -1 });
}

function makeValidator(doc, id) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    ajv.addFormat('binary', true);
    ajv.addSchema(doc, id);
    const cache = new Map();
    return (pointer) => {
        if (!cache.has(pointer)) cache.set(pointer, ajv.compile({ $ref: `${id}#${pointer}` }));
        return cache.get(pointer);
    };
}

const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function deref(doc, obj) {
    let seen = 0;
    while (obj && obj.$ref && seen++ < 10) {
        const parts = obj.$ref.replace(/^#\//, '').split('/')
            .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
        obj = parts.reduce((o, p) => (o ? o[p] : undefined), doc);
    }
    return obj;
}

// A path template → regex; literal segments outrank parameters.
function routes(doc) {
    return Object.keys(doc.paths || {}).map((tpl) => {
        const re = new RegExp('^' + tpl.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
            .replace(/\{[^}]+\}/g, '[^/]+') + '$');
        const params = (tpl.match(/\{/g) || []).length;
        return { tpl, re, params };
    }).sort((a, b) => a.params - b.params || b.tpl.length - a.tpl.length);
}

function findRoute(table, p) {
    for (const r of table) if (r.re.test(p)) return r;
    // An /api/v1/ path may end with one '/'.
    if (p.startsWith('/api/v1/') && p.endsWith('/') && p.length > 8)
        return findRoute(table, p.slice(0, -1));
    return null;
}

function statusEntry(responses, status) {
    const s = String(status);
    if (responses[s]) return { key: s, resp: responses[s] };
    const nxx = s[0] + 'XX';
    if (responses[nxx]) return { key: nxx, resp: responses[nxx] };
    if (responses.default) return { key: 'default', resp: responses.default };
    return null;
}

function mediaFor(content, type) {
    const base = (type || '').split(';')[0].trim().toLowerCase();
    if (!content) return null;
    if (content[base]) return base;
    for (const k of Object.keys(content)) {
        const [t, sub] = k.split(';')[0].trim().toLowerCase().split('/');
        const [bt, bsub] = base.split('/');
        if ((t === '*' || t === bt) && (sub === '*' || sub === bsub)) return k;
    }
    return null;
}

const isJson = (t) => /^application\/([\w.+-]+\+)?json\b/i.test(t || '');

// One checker per document: canonical, and each profile's when given.
function checker(doc, id) {
    const validate = makeValidator(doc, id);
    const table = routes(doc);
    return { doc, validate, table };
}

const canonical = checker(loadDoc(specFile), 'scp');
const profileDir = process.env.PROFILE_SPECS;
const profiles = {};
if (profileDir) {
    for (const m of PROFILE_MOUNTS) {
        const f = path.join(profileDir, m.profile, 'openapi.yaml');
        if (fs.existsSync(f)) profiles[m.profile] = checker(loadDoc(f), m.profile);
    }
}

const problems = new Map();   // key → {count, example}
const missing = new Map();    // METHOD path-shape → count (no documented route)
let checked = 0, bodies = 0, dialect = 0, dialectChecked = 0, records = 0;

let failedRecords = 0;
function fail(key, rec, detail) {
    if (!rec.failed) failedRecords++;
    rec.failed = true;
    const p = problems.get(key) || { count: 0, example: null };
    p.count++;
    if (!p.example) p.example = `${rec.test}: ${rec.method} ${rec.path} → ${rec.status}` +
        (detail ? `\n      ${detail}` : '') +
        (rec.body !== undefined ? `\n      body: ${String(rec.body).slice(0, 300)}` : '');
    problems.set(key, p);
}

// Members a body has that its schema does not name (JSON Schema allows them unless a
// schema says otherwise): drift the validator alone would not see.  Reported by field.
const extra = new Map();
function schemaProps(doc, sc, seen = 0) {
    sc = deref(doc, sc);
    if (!sc || typeof sc !== 'object' || seen > 20) return null;
    // props: each name → every schema that names it (allOf branches may each say a part).
    const props = {};
    const addProps = (o) => { for (const [k, x] of Object.entries(o)) (props[k] ||= []).push(...[].concat(x)); };
    let open = false, any = false;
    if (sc.properties) { addProps(sc.properties); any = true; }
    if (sc.additionalProperties !== undefined && sc.additionalProperties !== false) open = true;
    if (sc.patternProperties) open = true;
    for (const k of ['allOf', 'oneOf', 'anyOf']) {
        for (const b of sc[k] || []) {
            const r = schemaProps(doc, b, seen + 1);
            if (!r) continue;
            any = true;
            addProps(r.props);
            open = open || r.open;
        }
    }
    if (!any && !open && sc.type !== 'object') return null;
    if (!any && sc.type === 'object' && !sc.properties) open = true;   // a free object
    return { props, open, add: sc.additionalProperties };
}
function itemSchemas(doc, sc, seen = 0) {
    sc = deref(doc, sc);
    if (!sc || seen > 20) return [];
    const out = sc.items ? [sc.items] : [];
    for (const k of ['allOf', 'oneOf', 'anyOf'])
        for (const b of sc[k] || []) out.push(...itemSchemas(doc, b, seen + 1));
    return out;
}
function undocumented(doc, v, sc, at, label, rec) {
    if (Array.isArray(v)) {
        const items = itemSchemas(doc, sc);
        if (items.length) for (const x of v) undocumented(doc, x, { allOf: items }, `${at}/*`, label, rec);
        return;
    }
    if (!v || typeof v !== 'object') return;
    const r = schemaProps(doc, sc);
    if (!r) return;
    for (const [k, x] of Object.entries(v)) {
        if (r.props[k]) undocumented(doc, x, { allOf: r.props[k] }, `${at}/${k}`, label, rec);
        else if (r.open) {
            if (r.add && typeof r.add === 'object') undocumented(doc, x, r.add, `${at}/*`, label, rec);
        } else {
            const key = `${label.replace(/ \d{3}$/, '')}: ${at}/${k}`;
            extra.set(key, (extra.get(key) || 0) + 1);
            fail(`${label}: ${at}/${k} is in the body, not in the schema`, rec);
        }
    }
}

// Validate rec against the response `resp` (already dereferenced) of document c.
function checkBody(c, rec, resp, pointer, label) {
    const content = resp.content;
    const empty = !rec.length;
    if (rec.method === 'HEAD') return;
    if (!content || Object.keys(content).length === 0) {
        if (!empty) fail(`${label}: documents no body, got ${rec.content_type || 'one'}`, rec);
        return;
    }
    const media = mediaFor(content, rec.content_type);
    if (!media) {
        fail(`${label}: content type ${rec.content_type || '(none)'} not documented ` +
            `(${Object.keys(content).join(', ')})`, rec);
        return;
    }
    const mt = content[media];
    if (!isJson(media) || !mt.schema) return;
    let body;
    try {
        body = JSON.parse(rec.body);
    } catch (e) {
        fail(`${label}: body is not JSON`, rec, e.message);
        return;
    }
    bodies++;
    const v = c.validate(`${pointer}/content/${esc(media)}/schema`);
    undocumented(c.doc, body, mt.schema, '', label, rec);
    if (!v(body)) {
        // One problem per schema location, so that each is listed once with its count.
        const seen = new Set();
        for (const e of v.errors) {
            const at = (e.instancePath || '/').replace(/\/\d+(?=\/|$)/g, '/*');
            const k = `${label}: ${at} ${e.message} [${e.schemaPath}]`;
            if (seen.has(k)) continue;
            seen.add(k);
            fail(k, rec, `at ${e.instancePath || '/'}: ${e.message} ` +
                `${JSON.stringify(e.params)}`);
        }
    }
}

function checkRecord(c, rec, p, docLabel, statusOnly = false) {
    const route = findRoute(c.table, p);
    const method = rec.method === 'HEAD' ? 'get' : rec.method.toLowerCase();
    const prefix = docLabel ? `[${docLabel}] ` : '';
    if (!route) {
        // Any path the spec does not list answers 404 NOT_FOUND (its conventions).
        if (rec.status === 404) {
            checkBody(c, rec, deref(c.doc, { $ref: '#/components/responses/NotFound' }),
                '/components/responses/NotFound', `${prefix}unlisted path 404`);
            return;
        }
        const shape = p.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
            '{id}');
        const k = `${prefix}${rec.method} ${shape}`;
        missing.set(k, (missing.get(k) || 0) + 1);
        fail(`${prefix}${rec.method} ${shape}: no such path in the spec (status ${rec.status})`,
            rec);
        return;
    }
    const item = deref(c.doc, c.doc.paths[route.tpl]);
    const op = item[method];
    const raw = c.doc.paths[route.tpl];
    const opPointer = (raw.$ref ? raw.$ref.replace(/^#/, '') : `/paths/${esc(route.tpl)}`) +
        `/${method}`;
    if (!op) {
        if (rec.method === 'OPTIONS' && rec.status === 204 && !rec.length) return; // CORS
        // 404: /health, /ping and /metrics to any other method; or a path parameter the
        // route's pattern refuses (`/listings/42`: not a UUID), which is no listed path.
        // 403: nginx's limit_except on the files it serves itself (/media/).
        const other = { 405: 'MethodNotAllowed', 404: 'NotFound', 403: 'Forbidden' };
        if (other[rec.status] && (rec.status !== 403 || !route.tpl.startsWith('/api/'))) {
            const name = other[rec.status];
            checkBody(c, rec, deref(c.doc, { $ref: `#/components/responses/${name}` }),
                `/components/responses/${name}`, `${prefix}${rec.method} ${route.tpl} (no such operation)`);
            return;
        }
        const k = `${prefix}${rec.method} ${route.tpl}`;
        missing.set(k, (missing.get(k) || 0) + 1);
        fail(`${prefix}${rec.method} ${route.tpl}: no such operation in the spec ` +
            `(status ${rec.status})`, rec);
        return;
    }
    const label = `${prefix}${rec.method} ${route.tpl} ${rec.status}`;
    const entry = statusEntry(op.responses || {}, rec.status);
    if (!entry) {
        fail(`${label}: status not documented (documented: ` +
            `${Object.keys(op.responses || {}).join(' ')})`, rec);
        return;
    }
    let pointer = `${opPointer}/responses/${entry.key}`;
    let resp = entry.resp;
    if (resp.$ref) {
        pointer = resp.$ref.replace(/^#/, '');
        resp = deref(c.doc, resp);
    }
    checked++;
    if (!statusOnly) checkBody(c, rec, resp, pointer, label);
}

for (const f of fs.readdirSync(logDir).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of fs.readFileSync(path.join(logDir, f), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const rec = JSON.parse(line);
        records++;
        const p = rec.path.split('?')[0];
        const mount = PROFILE_MOUNTS.find((m) => m.re.test(p));
        if (!mount) {
            checkRecord(canonical, rec, p, '');
            continue;
        }
        dialect++;
        const rest = p.replace(mount.re, '$1');
        if (rec.status >= 300 || !profiles[mount.profile]) {
            // Errors are the canonical envelope under every mount; without the profile's
            // document a success is checked for its status only.
            checkRecord(canonical, rec, `/api/v1/${rest}`, '', rec.status < 300);
            continue;
        }
        dialectChecked++;
        checkRecord(profiles[mount.profile], rec, p, mount.profile);
    }
}

const keys = [...problems.keys()].sort();
for (const k of keys) {
    const p = problems.get(k);
    console.log(`not ok - ${k} (${p.count}×)\n    e.g. ${p.example}`);
}
if (missing.size) {
    console.log('\nRoutes the suite called that the spec does not have:');
    for (const [k, n] of [...missing.entries()].sort()) console.log(`    ${k}  (${n}×)`);
}
if (extra.size) {
    console.log(`\nFields the responses have that their schemas do not name (${extra.size}):`);
    for (const [k, n] of [...extra.entries()].sort()) console.log(`    ${k}  (${n}×)`);
}
console.log(`\n${records} responses: ${checked} matched an operation and status ` +
    `(${bodies} JSON bodies validated); ${dialect} under a profile's mount ` +
    `(${dialectChecked} checked against its derived document, the rest, errors, against ` +
    `the canonical one); ${keys.length} distinct problems.`);
console.log(`contract: ${records - failedRecords} passed, ${failedRecords} failed`);
process.exit(keys.length || !records ? 1 : 0);
