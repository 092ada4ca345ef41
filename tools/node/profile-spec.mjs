// node profile-spec.mjs SPEC PROFILES_MD PROFILE: print the OpenAPI document of one
// profile's mount (docs/profiles.md), derived from the canonical one so that it cannot
// drift: every /api/v1/ path under the profile's prefix (/selliko/, /api/, /prokip/), the
// paths outside /api/v1/ (/health, /webhooks/, /ws/…) left out since a mount does not
// serve them, and the dialect's rules (the profile's section of docs/profiles.md, with
// what every profile shares) as the document's description.
import fs from 'node:fs';
import YAML from 'yaml';

const [specFile, mdFile, profile] = process.argv.slice(2);
const MOUNTS = { selliko: '/selliko', cliick: '/api', prokip: '/prokip' };
const prefix = MOUNTS[profile];
if (!prefix) {
    console.error(`profile-spec: unknown profile ${profile}`);
    process.exit(2);
}
const doc = YAML.parse(fs.readFileSync(specFile, 'utf8'), { maxAliasCount: -1 });
const md = fs.readFileSync(mdFile, 'utf8');

// A level-2 section of profiles.md, by the start of its heading.
function section(start) {
    const parts = md.split(/^(?=## )/m);
    const s = parts.find((p) => p.startsWith(`## ${start}`));
    if (!s) throw new Error(`profile-spec: docs/profiles.md has no section "## ${start}"`);
    return s.replace(/^## .*\n/, '').trim();
}

// A path item that is a $ref to another path (an alias) points at that path's new name.
const v1 = '#/paths/~1api~1v1~1';
const mounted = (p) => prefix + p.slice('/api/v1'.length);
const paths = {};
for (const [p, item] of Object.entries(doc.paths)) {
    if (!p.startsWith('/api/v1/')) continue;
    if (item.$ref && item.$ref.startsWith(v1))
        paths[mounted(p)] = { $ref: '#/paths/' + mounted('/api/v1/' + item.$ref.slice(v1.length))
            .replace(/\//g, '~1') };
    else
        paths[mounted(p)] = item;
    for (const op of Object.values(item)) {
        if (op && typeof op === 'object' && op.operationId) op.operationId = `${profile}_${op.operationId}`;
    }
}
// Paths a mount serves through an nginx rewrite of its own onto its canonical ones
// (nginx/scp.conf.in): each an alias of the path it is rewritten to.
const MOUNT_ALIASES = { prokip: [['/prokip/stores/my-store/', '/prokip/stores/']] };
for (const [alias, target] of MOUNT_ALIASES[profile] || []) {
    for (const p of Object.keys(paths)) {
        if (p.startsWith(target) && !paths[alias + p.slice(target.length)])
            paths[alias + p.slice(target.length)] = { $ref: '#/paths/' + p.replace(/~/g, '~0').replace(/\//g, '~1') };
    }
}
doc.paths = paths;
// ---- the dialect's successes, from lib/scp_profiles.c (what scp_profile_render does) -----
const cfile = fs.readFileSync(new URL('../../lib/scp_profiles.c', import.meta.url), 'utf8');
const strs = (t) => (t.match(/"[^"]*"/g) || []).map((q) => q.slice(1, -1));
function profileConf(name) {
    const m = cfile.match(new RegExp(`\\{ "${name}", SCP_ENVELOPE_(\\w+), (true|false), (true|false), ` +
        `(NULL|"\\w+"), (?:true|false), (\\w+)(?:,\\s*(?:NULL|KEYS\\(([^)]*)\\)))? \\}`));
    if (!m) throw new Error(`profile-spec: lib/scp_profiles.c has no profile ${name}`);
    const body = cfile.split(new RegExp(`struct scp_profile_route ${m[5]}\\[\\] = \\{`))[1].split('\n};')[0];
    const rules = [];
    // A rule written over several lines is read as one (up to the line ending "},").
    const lines = [];
    for (const line of body.split('\n')) {
        const last = lines.length - 1;
        if (last >= 0 && /^\s*\{ "\w+", V1 "/.test(lines[last]) && !/\},?\s*$/.test(lines[last]))
            lines[last] += ' ' + line.trim();
        else lines.push(line);
    }
    for (const line of lines) {
        let r;
        if ((r = line.match(/^\s*LIST\("(\w+)", V1 "([^"]+)", "(\w+)"\)/)))
            rules.push({ method: r[1], pattern: r[2], renames: { results: r[3] } });
        else if ((r = line.match(/^\s*NEST\("(\w+)", V1 "([^"]+)", "(\w+)", (.*)\),?\s*$/)))
            rules.push({ method: r[1], pattern: r[2], nest: r[3], beside: strs(r[4]), both: [] });
        else if ((r = line.match(/^\s*\{ "(\w+)", V1 "([^"]+)", (NULL|"\w+"), (NULL|KEYS\([^)]*\)), (NULL|KEYS\([^)]*\)), (NULL|RENAME\([^)]*\)|RENAMES\(.*\)) \},?\s*$/))) {
            // RENAME(from, to) or RENAMES(PAIR(from, to), …): the strings two by two.
            const rn = strs(r[6]), renames = {};
            for (let i = 0; i + 1 < rn.length; i += 2) renames[rn[i]] = rn[i + 1];
            rules.push({ method: r[1], pattern: r[2], nest: r[3] === 'NULL' ? null : r[3].slice(1, -1),
                beside: strs(r[4]), both: strs(r[5]), renames });
        } else if (/V1 "/.test(line))
            throw new Error(`profile-spec: cannot read this rule of lib/scp_profiles.c: ${line.trim()}`);
    }
    return { envelope: m[1], camel: m[2] === 'true', upperRoles: m[3] === 'true',
        pageSizeKey: m[4] === 'NULL' ? null : m[4].slice(1, -1), rules,
        keep: new Set(m[6] ? strs(m[6]) : []) };
}
const conf = profileConf(profile);
const shape = (p) => p.replace(/:[A-Za-z_]+/g, '{}').replace(/\{[^}]+\}/g, '{}');
const ruleFor = (method, p) => conf.rules.find((r) => r.method === method.toUpperCase() &&
    shape("/api/v1" + r.pattern) === shape(p));

// A key as the profile spells it (scp_profile.c add_key): _x → X after the first letter,
// but the keys the profile keeps.
const camel = (k) => !conf.camel || k.includes('\\') || conf.keep.has(k) ? k :
    k.replace(/(?<=.)_([a-z])(?=.)/g, (_, c) => c.toUpperCase()).replace(/(?<=.)_([a-z])$/, (_, c) => c.toUpperCase());
const SUBS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains',
    'unevaluatedProperties', 'propertyNames'];
const LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
function upper(v) { return typeof v === 'string' ? v.toUpperCase() : v; }
function camelValue(v) {
    if (Array.isArray(v)) return v.map(camelValue);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) =>
        [camel(k), k === 'role' && conf.upperRoles ? upper(x) : camelValue(x)]));
}
// The schema with every key in the profile's spelling, role values in upper case if so.
function dialectSchema(sc, isRole = false) {
    if (!sc || typeof sc !== 'object' || Array.isArray(sc)) return sc;
    const out = { ...sc };
    if (sc.properties) out.properties = Object.fromEntries(Object.entries(sc.properties)
        .map(([k, v]) => [camel(k), dialectSchema(v, k === 'role')]));
    if (Array.isArray(sc.required)) out.required = sc.required.map(camel);
    for (const k of SUBS) if (sc[k] && typeof sc[k] === 'object') out[k] = dialectSchema(sc[k], isRole && k === 'items');
    for (const k of LISTS) if (Array.isArray(sc[k])) out[k] = sc[k].map((x) => dialectSchema(x, isRole));
    if (isRole && conf.upperRoles) {
        if (Array.isArray(sc.enum)) out.enum = sc.enum.map(upper);
        if (typeof sc.const === 'string') out.const = upper(sc.const);
    }
    if (sc.example !== undefined) out.example = camelValue(sc.example);
    if (Array.isArray(sc.examples)) out.examples = isRole && conf.upperRoles ?
        sc.examples.map(upper) : sc.examples.map(camelValue);
    return out;
}
// A component a `role` property refers to holds role values too.
const roleRefs = new Set();
(function findRoles(o) {
    if (!o || typeof o !== 'object') return;
    if (o.properties && o.properties.role) {
        const r = o.properties.role;
        for (const x of [r, ...(r.oneOf || []), ...(r.anyOf || [])])
            if (x && x.$ref) roleRefs.add(x.$ref.replace('#/components/schemas/', ''));
    }
    for (const v of Object.values(o)) findRoles(v);
})(doc);
// Errors are never rendered: their schemas stay canonical.
const canonicalOnly = /^(Error|ErrorCode|FieldError|ValidationDetails|ConflictDetails|RoleMismatchDetails|ValidationError|ConflictError)$/;
for (const [name, sc] of Object.entries(doc.components.schemas))
    if (!canonicalOnly.test(name)) doc.components.schemas[name] = dialectSchema(sc, roleRefs.has(name));

const deref = (o) => {
    for (let i = 0; o && o.$ref && i < 10; i++)
        o = o.$ref.replace(/^#\//, '').split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'))
            .reduce((a, k) => a && a[k], doc);
    return o;
};
// The top level of a success as one object schema (allOf merged), or null if not an object.
function topObject(sc) {
    sc = deref(sc);
    if (!sc) return null;
    if (sc.allOf) {
        const parts = sc.allOf.map(topObject);
        if (parts.some((x) => !x)) return null;
        return { type: 'object', description: sc.description,
            properties: Object.assign({}, ...parts.map((x) => x.properties || {})),
            required: [...new Set(parts.flatMap((x) => x.required || []))] };
    }
    if (sc.type === 'object' || sc.properties) return { ...sc, properties: { ...(sc.properties || {}) },
        required: [...(sc.required || [])] };
    return null;
}
function renameProps(o, from, to) {
    if (!(from in o.properties)) return;
    o.properties = Object.fromEntries(Object.entries(o.properties).map(([k, v]) => [k === from ? to : k, v]));
    o.required = o.required.map((k) => (k === from ? to : k));
}
const TRUE = { type: 'boolean', const: true };
// A success's schema as the profile renders it (scp_profile_render).
function dialectSuccess(schema, rule) {
    const top = topObject(schema);
    if (!top) {
        if (conf.envelope === 'NONE') return schema;
        const key = conf.envelope === 'SUCCESS' && rule && rule.nest ? rule.nest : 'data';
        return { type: 'object', required: ['success', key], properties: { success: TRUE, [key]: schema } };
    }
    // Top-level renames (written as given) before the page size and the spelling.
    for (const [from, to] of Object.entries((rule && rule.renames) || {})) renameProps(top, camel(from), to);
    if (conf.pageSizeKey && top.properties.pagination) {
        const pg = topObject(top.properties.pagination);
        if (pg) { renameProps(pg, camel('page_size'), conf.pageSizeKey); top.properties.pagination = pg; }
    }
    // An envelope brings its own success; without one, a canonical success stays as it is.
    if (conf.envelope !== 'NONE') {
        delete top.properties.success;
        top.required = top.required.filter((k) => k !== 'success');
    }
    let out = top;
    if (rule && rule.nest) {
        const beside = new Set([...rule.beside, ...rule.both].map(camel));
        const inNest = (k) => !beside.has(k) || rule.both.map(camel).includes(k);
        const nest = { ...top, properties: {}, required: top.required.filter(inNest) };
        const outer = { type: 'object', properties: {}, required: top.required.filter((k) => beside.has(k)) };
        for (const [k, v] of Object.entries(top.properties)) {
            if (inNest(k)) nest.properties[k] = v;
            if (beside.has(k)) outer.properties[k] = v;
        }
        if (conf.envelope === 'NONE') return outer.required.length || Object.keys(outer.properties).length ?
            { ...outer, properties: { [rule.nest]: nest, ...outer.properties }, required: [rule.nest, ...outer.required] } : nest;
        if (conf.envelope === 'DATA')
            return { type: 'object', required: ['success', 'data'], properties: { success: TRUE,
                data: { ...outer, properties: { [rule.nest]: nest, ...outer.properties }, required: [rule.nest, ...outer.required] } } };
        out = { ...outer, properties: { [rule.nest]: nest, ...outer.properties }, required: [rule.nest, ...outer.required] };
    }
    if (conf.envelope === 'NONE') return out;
    // A page with no rule of its own: data is the results, its other members beside it.
    if (conf.envelope === 'DATA' && !rule && out.properties.results && out.properties.pagination) {
        const { results, ...others } = out.properties;
        return { type: 'object', required: ['success', 'data', ...out.required.filter((k) => k !== 'results')],
            properties: { success: TRUE, data: results, ...others },
            ...(out.additionalProperties !== undefined ? { additionalProperties: out.additionalProperties } : {}) };
    }
    if (conf.envelope === 'DATA') {
        // A rule without a nest: its `both` members also beside data (add_both_beside).
        const both = rule && !rule.nest ? (rule.both || []).map(camel).filter((k) => out.properties[k]) : [];
        return { type: 'object', required: ['success', 'data', ...both.filter((k) => out.required.includes(k))],
            properties: { success: TRUE, data: out, ...Object.fromEntries(both.map((k) => [k, out.properties[k]])) } };
    }
    return { ...out, properties: { success: TRUE, ...out.properties }, required: ['success', ...out.required] };
}
const seenOps = new Set();
const produced = new WeakSet();
for (const [p, item] of Object.entries(doc.paths)) {
    if (item.$ref) continue;
    for (const [m, op] of Object.entries(item)) {
        if (!op || typeof op !== 'object' || !op.responses || seenOps.has(op)) continue;
        seenOps.add(op);
        const canonicalPath = '/api/v1' + p.slice(prefix.length);
        const rule = ruleFor(m, canonicalPath);
        for (const [status, r0] of Object.entries(op.responses)) {
            // (A responses map shared by two operations through a YAML alias is done once.)
            if (!/^2/.test(status) || produced.has(r0)) continue;
            const r = deref(r0);
            const json = r && r.content && r.content['application/json'];
            if (!json || !json.schema) continue;
            const { example, examples, ...rest } = json;   // canonical examples: left out
            // An inline schema in the profile's spelling, as the components already are.
            const schema = json.schema.$ref ? json.schema : dialectSchema(json.schema);
            op.responses[status] = { ...r, content: { ...r.content,
                'application/json': { ...rest, schema: dialectSuccess(schema, rule) } } };
            produced.add(op.responses[status]);
        }
    }
}

// Examples are the canonical page's: here they would show the canonical spelling.
(function strip(o, parentKey) {
    if (Array.isArray(o)) { o.forEach((x) => strip(x, null)); return; }
    if (!o || typeof o !== 'object') return;
    for (const k of Object.keys(o)) {
        if (parentKey !== 'properties' && (k === 'example' || k === 'examples')) delete o[k];
        else strip(o[k], k);
    }
})(doc, null);

// Tags no operation under the mount has (ops, realtime) would be empty sections.
const used = new Set([...seenOps].flatMap((op) => op.tags || []));
doc.tags = (doc.tags || []).filter((t) => used.has(t.name));

doc.info = {
    ...doc.info,
    title: `${doc.info.title}: the ${profile} profile (${prefix}/)`,
    summary: `The canonical routes under ${prefix}/, answered in ${profile}'s dialect.`,
    description: [
        `The same routes as the canonical contract (\`/api/v1/\`, its own reference at ` +
        `\`/docs/\`), mounted at \`${prefix}/\`: \`${prefix}/auth/login\` is ` +
        `\`/api/v1/auth/login\`. Requests are the canonical ones (camelCase names are ` +
        `accepted too). The successes below are shown as this profile renders them ` +
        `(derived from \`lib/scp_profiles.c\`, the rules of this section); every error is ` +
        `the canonical envelope as it is.`,
        '## What every profile shares',
        section('What every profile shares'),
        `## ${profile}`,
        section(profile),
    ].join('\n\n'),
};
process.stdout.write(YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));
