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
doc.paths = paths;
doc.info = {
    ...doc.info,
    title: `${doc.info.title}: the ${profile} profile (${prefix}/)`,
    summary: `The canonical routes under ${prefix}/, answered in ${profile}'s dialect.`,
    description: [
        `The same routes as the canonical contract (\`/api/v1/\`, its own reference at ` +
        `[/docs/](/docs/)), mounted at \`${prefix}/\`: \`${prefix}/auth/login\` is ` +
        `\`/api/v1/auth/login\`. Requests are the canonical ones (camelCase names are ` +
        `accepted too). **The schemas below are the canonical shapes**; a success is ` +
        `rendered from them by the rules of this section (docs/profiles.md, which ` +
        `\`lib/scp_profiles.c\` implements), and every error is the canonical envelope as ` +
        `it is.`,
        '## What every profile shares',
        section('What every profile shares'),
        `## ${profile}`,
        section(profile),
    ].join('\n\n'),
};
process.stdout.write(YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));
