// node offline-page.mjs PAGE: print redocly's built page so that it needs nothing from
// another host (docs must render where production networks reach no CDN).  Redoc's
// bundle is inlined already (--inlineBundle) and it loads no web font; what is left is
// the "API docs by Redocly" footer logo, an <img> from Redocly's CDN, which becomes an
// inline SVG here.  Then any script, stylesheet, font or image still fetched from an
// absolute http(s) URL fails the build, so a new renderer version cannot bring one in.
import fs from 'node:fs';

const page = process.argv[2];
let html = fs.readFileSync(page, 'utf8');
const logo = 'data:image/svg+xml,' + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16" viewBox="0 0 64 16">' +
    '<text x="0" y="12" font-family="sans-serif" font-size="12" fill="#555">Redoc</text></svg>');
html = html.replace(/https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(?:-full)?\.svg/g, logo);

const remote = [
    /<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?\/\//i,
    /<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\//i,
    /@import\s+(?:url\()?\s*["']?(?:https?:)?\/\//i,
    /url\(\s*["']?(?:https?:)?\/\/[^)]*\.(?:woff2?|ttf|otf|eot|css)/i,
    /fonts\.(?:googleapis|gstatic)\.com/i,
    /cdn\.redoc\.ly/i,
];
for (const re of remote) {
    const m = html.match(re);
    if (m) {
        console.error(`offline-page: ${page} still loads from another host: ${m[0]}`);
        process.exit(1);
    }
}
process.stdout.write(html);
