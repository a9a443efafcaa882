import type { DataDictionary } from './data-dictionary.ts';

/** JSON safe inside a `<script>` element: no `</script>`, no `<!--`, no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#111827;background:#f9fafb}
header{background:#1f2937;color:#f9fafb;padding:12px 24px}header h1{margin:0;font-size:18px}header p{margin:2px 0 0;color:#9ca3af;font-size:12px}
main{max-width:1200px;margin:0 auto;padding:16px 24px}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:12px}
.controls input[type=search]{flex:1 1 320px;padding:8px 10px;border:1px solid #d1d5db;border-radius:6px;font-size:14px}
.controls select{padding:7px;border:1px solid #d1d5db;border-radius:6px;background:#fff}
.count{color:#6b7280;font-size:13px;margin:4px 0 12px}
.asset{background:#fff;border:1px solid #e5e7eb;border-radius:8px;margin-bottom:10px;padding:12px 16px}
.asset h2{margin:0;font-size:15px;font-family:ui-monospace,monospace}.asset .meta{color:#6b7280;font-size:12px;margin:2px 0 6px}
.asset p.desc{margin:4px 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-top:1px solid #f3f4f6;vertical-align:top}
th{color:#6b7280;font-weight:600}td.mono,.mono{font-family:ui-monospace,monospace}
tr.match td{background:#fef9c3}.pii{color:#b91c1c;font-weight:600}.term{color:#1d4ed8}
.badge{display:inline-block;border-radius:9px;padding:0 7px;font-size:11px;background:#e5e7eb;margin-right:4px}
.badge.late{background:#fee2e2;color:#991b1b}.badge.on_time{background:#d1fae5;color:#065f46}.badge.never{background:#f3f4f6;color:#6b7280}
section.glossary{margin-top:24px}dl{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 16px}dt{font-weight:600;margin-top:8px}dd{margin:0 0 4px 0}
.more{color:#6b7280}`;

// The page's script: plain ES2020, no imports, no network. It reads the dictionary from the JSON
// element, indexes each asset's text once, and re-renders the matching assets on every input.
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('quarry-dictionary').textContent);
  var LIMIT = 200;
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  var terms = {};
  data.glossary.forEach(function (t) { terms[t.key] = t; });
  var index = data.assets.map(function (a) {
    var cols = a.columns.map(function (c) {
      var t = c.term && terms[c.term];
      return [c.name, c.description || '', c.term || '', t ? t.name + ' ' + t.definition + ' ' + t.synonyms.join(' ') : ''].join(' ').toLowerCase();
    });
    var text = [a.key, a.description || '', a.group, a.owners.join(' '), Object.keys(a.tags).map(function (k) { return k + '=' + a.tags[k]; }).join(' ')].join(' ').toLowerCase();
    return { asset: a, text: text, cols: cols };
  });
  function options(select, values, label) {
    select.appendChild(el('option', { value: '' }, [label]));
    values.forEach(function (v) { select.appendChild(el('option', { value: v }, [v])); });
  }
  function uniq(list) { return Array.from(new Set(list)).sort(); }
  options($('f-owner'), uniq([].concat.apply([], data.assets.map(function (a) { return a.owners; }))), 'any owner');
  options($('f-group'), uniq(data.assets.map(function (a) { return a.group; })), 'any group');
  options($('f-tag'), uniq([].concat.apply([], data.assets.map(function (a) { return Object.keys(a.tags).map(function (k) { return k + '=' + a.tags[k]; }); }))), 'any tag');
  function render() {
    var words = $('search').value.toLowerCase().split(/\\s+/).filter(Boolean);
    var owner = $('f-owner').value, group = $('f-group').value, tag = $('f-tag').value, pii = $('f-pii').value, fresh = $('f-freshness').value;
    var hits = [];
    index.forEach(function (entry) {
      var a = entry.asset;
      if (owner && a.owners.indexOf(owner) < 0) return;
      if (group && a.group !== group) return;
      if (tag && !Object.keys(a.tags).some(function (k) { return k + '=' + a.tags[k] === tag; })) return;
      if (pii === 'yes' && !a.hasPii) return;
      if (pii === 'no' && a.hasPii) return;
      if (fresh && a.freshness !== fresh) return;
      var matched = [];
      var ok = words.every(function (w) {
        var inCols = false;
        entry.cols.forEach(function (c, i) { if (c.indexOf(w) >= 0) { inCols = true; if (matched.indexOf(i) < 0) matched.push(i); } });
        return inCols || entry.text.indexOf(w) >= 0;
      });
      if (ok) hits.push({ asset: a, matched: words.length ? matched : [] });
    });
    var list = $('assets');
    list.textContent = '';
    hits.slice(0, LIMIT).forEach(function (hit) { list.appendChild(card(hit.asset, hit.matched)); });
    if (hits.length > LIMIT) list.appendChild(el('p', { class: 'more' }, [(hits.length - LIMIT) + ' more: refine the search']));
    $('count').textContent = hits.length + ' of ' + data.assets.length + ' assets';
    $('count').setAttribute('data-count', String(hits.length));
  }
  function card(a, matched) {
    var f = a.updateFrequency || {};
    var freq = [f.declared ? 'declared ' + f.declared.label : null, f.observed ? 'observed ' + f.observed.label : null].filter(Boolean).join(' · ');
    var rows = a.columns.map(function (c, i) {
      var t = c.term && terms[c.term];
      return el('tr', { 'data-column': c.name, class: matched.indexOf(i) >= 0 ? 'match' : null }, [
        el('td', { class: 'mono' }, [c.name]), el('td', { class: 'mono' }, [c.type || '']),
        el('td', {}, [c.description || '', c.unit ? ' (' + c.unit + ')' : '']),
        el('td', { class: 'term' }, [t ? t.name : '']),
        el('td', { class: c.pii !== 'none' ? 'pii' : null }, [c.pii !== 'none' ? c.pii : ''])
      ]);
    });
    return el('article', { class: 'asset', 'data-key': a.key }, [
      el('h2', {}, [a.key]),
      el('div', { class: 'meta' }, [
        el('span', { class: 'badge ' + a.freshness }, [a.freshness.replace('_', ' ')]),
        a.kind + ' · group ' + a.group + (a.owners.length ? ' · owners ' + a.owners.join(', ') : '') + (a.partitions ? ' · ' + a.partitions : '') + (freq ? ' · ' + freq : '') + (a.lastMaterializedAt ? ' · last update ' + a.lastMaterializedAt : '')
      ]),
      a.description ? el('p', { class: 'desc' }, [a.description]) : null,
      a.upstream.length ? el('div', { class: 'meta' }, ['upstream: ' + a.upstream.join(', ')]) : null,
      rows.length ? el('table', {}, [el('thead', {}, [el('tr', {}, ['Column', 'Type', 'Definition', 'Term', 'PII'].map(function (h) { return el('th', {}, [h]); }))]), el('tbody', {}, rows)]) : null
    ]);
  }
  ['search', 'f-owner', 'f-group', 'f-tag', 'f-pii', 'f-freshness'].forEach(function (id) { $(id).addEventListener('input', render); });
  var q = new URLSearchParams(location.search).get('q');
  if (q) $('search').value = q;
  render();
})();`;

/**
 * The data dictionary as one self-contained HTML page (inline data, style and script; nothing is
 * fetched), searchable by asset, column, definition, owner and glossary term, with filters on
 * owner, group, tag, PII and freshness. `quarry docs` writes it as `index.html`.
 */
export function renderDataDictionaryHtml(dictionary: DataDictionary): string {
  const glossary = dictionary.glossary
    .map((t) => `<dt id="term-${escapeHtml(t.key)}">${escapeHtml(t.name)}${t.synonyms.length ? ` <span class="more">(${escapeHtml(t.synonyms.join(', '))})</span>` : ''}</dt><dd>${escapeHtml(t.definition)}${t.usedBy.length ? `<br><span class="more mono">${escapeHtml(t.usedBy.join(', '))}</span>` : ''}</dd>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(dictionary.project)} · data dictionary</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(dictionary.project)} · data dictionary</h1><p>${dictionary.assets.length} assets · ${dictionary.glossary.length} glossary terms · generated ${escapeHtml(dictionary.generatedAt)} by quarry docs</p></header>
<main>
<div class="controls">
<input id="search" type="search" placeholder="Search assets, columns, definitions, terms, owners…" aria-label="Search" autofocus>
<select id="f-owner" aria-label="Owner"></select>
<select id="f-group" aria-label="Group"></select>
<select id="f-tag" aria-label="Tag"></select>
<select id="f-pii" aria-label="PII"><option value="">PII or not</option><option value="yes">with PII</option><option value="no">without PII</option></select>
<select id="f-freshness" aria-label="Freshness"><option value="">any freshness</option><option value="on_time">on time</option><option value="late">late</option><option value="never">never materialized</option><option value="unknown">unknown</option></select>
</div>
<div id="count" class="count"></div>
<div id="assets"></div>
${dictionary.glossary.length ? `<section class="glossary"><h2>Glossary</h2><dl>${glossary}</dl></section>` : ''}
</main>
<script type="application/json" id="quarry-dictionary">${scriptJson(dictionary)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
