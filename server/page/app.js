// The search page of attache serve: asks GET /search and shows the hits.
// Passages come with "html" from the server: the stored text already
// HTML-escaped, with <mark> around the matched words; everything else
// is set as text. No data leaves this server.
//
// When the index has typed fields (GET /stats "fields"), the page asks
// for facets of its keyword fields and the years of its date field,
// shows them in a column (a click adds or removes that value as a
// filter), and offers a date range and an order by date. The state
// (q, filter..., sort, from, to, offset) lives in the address.
'use strict';

const PAGE = 10;
const MAX_FACETS = 4;
const $ = (id) => document.getElementById(id);
const form = $('search'), input = $('q'), statusLine = $('status');
const results = $('results'), pager = $('pager'), notes = $('notes');
const suggest = $('suggest');
const prev = $('prev'), next = $('next'), pageNo = $('page');
const refine = $('refine'), facetBox = $('facets'), active = $('active');
const sortBox = $('sort'), fromBox = $('from'), toBox = $('to');
let state = { q: '', filters: [], sort: '', from: '', to: '', offset: 0 };
let current = { total: 0, count: 0 };
let schema = null;   // { date: name or null, keywords: [names] }

function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids) e.append(k);
  return e;
}

function say(text, isError) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', !!isError);
}

function fmt(n) { return n.toLocaleString('en'); }

// What the server repaired in the query, in small print under the status.
function showNotes(list) {
  notes.textContent = list && list.length ? 'Note: ' + list.join('; ') + '.' : '';
  notes.hidden = !notes.textContent;
}

// "Did you mean": the server's suggestion as a link that runs it.
function showSuggestion(text) {
  suggest.replaceChildren();
  suggest.hidden = !text;
  if (!text) return;
  const a = el('a', { href: urlOf(Object.assign({}, state, { q: text, offset: 0 })),
                      textContent: text });
  a.addEventListener('click', (ev) => { ev.preventDefault(); changed({ q: text }); });
  suggest.append('Did you mean: ', a, '?');
}

// The filter a facet value stands for: name:"value" (a year: date:1987).
function filterOf(facet, value) {
  if (schema && facet === schema.date + ':year') return schema.date + ':' + value;
  return facet + ':"' + value.replace(/"/g, ' ') + '"';
}

function labelOf(filter) {
  return filter.replace(/^([^:]+):"?([^"]*)"?$/, '$1: $2');
}

async function loadSchema() {
  if (schema) return schema;
  schema = { date: null, keywords: [] };
  try {
    const res = await fetch('/stats');
    const body = await res.json();
    for (const f of body.fields || []) {
      if (f.type === 'date' && !schema.date) schema.date = f.name;
      if (f.type === 'keyword' && schema.keywords.length < MAX_FACETS)
        schema.keywords.push(f.name);
    }
  } catch (e) { /* no facets then */ }
  refine.hidden = !schema.date && schema.keywords.length === 0;
  $('range').hidden = sortBox.hidden = !schema.date;
  sortBox.previousElementSibling.hidden = !schema.date;
  return schema;
}

// "date 2025-05-30 · source attache wire · countries azerbaijan, pakistan"
function fieldLine(fields) {
  const parts = [];
  if (!fields) return '';
  if (schema && schema.date && fields[schema.date])
    parts.push(String(fields[schema.date]).slice(0, 10));
  for (const k of schema ? schema.keywords : []) {
    if (Array.isArray(fields[k]) && fields[k].length) parts.push(fields[k].join(', '));
  }
  return parts.join(' \u00b7 ');
}

function renderFacets(facets) {
  facetBox.replaceChildren();
  for (const [name, values] of Object.entries(facets || {})) {
    if (!values.length) continue;
    const title = name.endsWith(':year') ? 'Year' : name.charAt(0).toUpperCase() + name.slice(1);
    const list = el('ul', { className: 'facet' });
    for (const v of values) {
      const f = filterOf(name, v.value);
      const on = state.filters.includes(f);
      const b = el('button', { type: 'button', className: 'value' },
        el('span', { className: 'label', textContent: v.value }),
        el('span', { className: 'count', textContent: fmt(v.count) }));
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      b.dataset.filter = f;
      b.addEventListener('click', () => toggleFilter(f));
      list.append(el('li', {}, b));
    }
    const sec = el('section', { className: 'facet-group' }, el('h2', { textContent: title }), list);
    sec.dataset.facet = name;
    facetBox.append(sec);
  }
  // the filters in force, each with a button that removes it
  active.replaceChildren();
  for (const f of state.filters) {
    const b = el('button', { type: 'button', textContent: labelOf(f) + ' \u00d7' });
    b.setAttribute('aria-label', 'Remove filter ' + labelOf(f));
    b.addEventListener('click', () => toggleFilter(f));
    active.append(el('li', {}, b));
  }
  active.hidden = state.filters.length === 0;
}

function render(body) {
  results.replaceChildren();
  showNotes(body.notes);
  showSuggestion(body.suggestion);
  for (const hit of body.hits) {
    const link = el('a', { href: '/documents/' + encodeURIComponent(hit.id),
                           textContent: hit.title || hit.id });
    link.addEventListener('click', (ev) => { ev.preventDefault(); toggle(li, hit.id); });
    const li = el('li', { className: 'hit' }, el('h2', {}, link));
    const fl = fieldLine(hit.fields);
    if (fl) li.append(el('p', { className: 'fields', textContent: fl }));
    li.append(el('p', { className: 'meta', textContent: hit.id + ' \u00b7 score ' + hit.score.toFixed(2) }));
    li.dataset.id = hit.id;
    if (hit.fields && schema && schema.date && hit.fields[schema.date])
      li.dataset.date = hit.fields[schema.date];
    for (const p of hit.passages) {
      const para = el('p', { className: 'passage' });
      para.innerHTML = p.html; // escaped by the server, <mark> only
      if (p.page) para.prepend(el('span', { className: 'pageref', textContent: 'p. ' + p.page + ' ' }));
      li.append(para);
    }
    results.append(li);
  }
  renderFacets(body.facets);
  const first = body.offset + 1, last = body.offset + body.hits.length;
  const total = body.total_exact ? fmt(body.total) : 'at least ' + fmt(body.total);
  const what = state.q || 'the filters';
  if (body.hits.length === 0)
    say(body.offset > 0 ? 'No more results.' : 'No results for \u201c' + what + '\u201d.');
  else
    say('Results ' + fmt(first) + '\u2013' + fmt(last) + ' of ' + total +
        ' (' + body.took_ms.toFixed(1) + ' ms)');
  current = { total: body.total, count: body.hits.length };
  pager.hidden = body.offset === 0 && body.hits.length < PAGE;
  prev.disabled = body.offset === 0;
  next.disabled = body.offset + body.hits.length >= body.total || body.hits.length < PAGE;
  pageNo.textContent = 'Page ' + (Math.floor(body.offset / PAGE) + 1);
}

async function toggle(li, id) {
  const open = li.querySelector('.full');
  if (open) { open.remove(); return; }
  const full = el('div', { className: 'full', textContent: 'Loading\u2026' });
  full.tabIndex = -1;
  li.append(full);
  try {
    const res = await fetch('/documents/' + encodeURIComponent(id));
    const doc = await res.json();
    full.textContent = res.ok ? doc.text : doc.error.message;
  } catch (e) {
    full.textContent = 'The server did not answer.';
  }
  full.focus();
}

// The address of a state: /?q=..&filter=..&sort=..&from=..&to=..&offset=..
function urlOf(s) {
  const p = new URLSearchParams();
  if (s.q) p.append('q', s.q);
  for (const f of s.filters) p.append('filter', f);
  if (s.sort) p.append('sort', s.sort);
  if (s.from) p.append('from', s.from);
  if (s.to) p.append('to', s.to);
  if (s.offset) p.append('offset', s.offset);
  const qs = p.toString();
  return qs ? '/?' + qs : '/';
}

function anything(s) { return s.q || s.filters.length || s.from || s.to; }

async function run(s, push) {
  state = s;
  await loadSchema();
  input.value = s.q;
  sortBox.value = s.sort;
  fromBox.value = s.from;
  toBox.value = s.to;
  if (push) history.pushState(null, '', urlOf(s));
  document.title = s.q ? s.q + ' \u2013 attache search' : 'attache search';
  if (!anything(s)) {
    results.replaceChildren(); pager.hidden = true; say(''); showNotes();
    showSuggestion();
    facetBox.replaceChildren(); active.hidden = true;
    return;
  }
  say('Searching\u2026');
  const params = new URLSearchParams({ q: s.q, n: PAGE, offset: s.offset, passages: 2 });
  for (const f of s.filters) params.append('filter', f);
  if (schema.date && (s.from || s.to))
    params.append('filter', schema.date + ':' + (s.from || '') + '..' + (s.to || ''));
  if (schema.date && s.sort) params.append('sort', schema.date + ':' + s.sort);
  for (const k of schema.keywords) params.append('facet', k);
  if (schema.date) params.append('facet', schema.date + ':year');
  let res, body;
  try {
    res = await fetch('/search?' + params);
    body = await res.json();
  } catch (e) {
    say('The server did not answer.', true);
    return;
  }
  if (!res.ok) {
    results.replaceChildren();
    pager.hidden = true;
    showNotes();
    showSuggestion();
    say(body && body.error ? body.error.message : 'Error ' + res.status, true);
    return;
  }
  render(body);
}

function changed(patch) {
  run(Object.assign({}, state, { offset: 0 }, patch), true);
}

function toggleFilter(f) {
  const filters = state.filters.includes(f)
    ? state.filters.filter((x) => x !== f) : state.filters.concat([f]);
  changed({ filters });
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  changed({ q: input.value.trim() });
});
sortBox.addEventListener('change', () => changed({ sort: sortBox.value }));
fromBox.addEventListener('change', () => changed({ from: fromBox.value }));
toBox.addEventListener('change', () => changed({ to: toBox.value }));
prev.addEventListener('click', () => {
  run(Object.assign({}, state, { offset: Math.max(0, state.offset - PAGE) }), true);
  input.focus();
});
next.addEventListener('click', () => {
  run(Object.assign({}, state, { offset: state.offset + PAGE }), true);
  input.focus();
});
document.addEventListener('keydown', (ev) => {
  if (ev.key === '/' && document.activeElement !== input) {
    ev.preventDefault();
    input.focus();
    input.select();
  }
});
function fromUrl() {
  const p = new URLSearchParams(location.search);
  const sort = p.get('sort') || '';
  run({ q: (p.get('q') || '').trim(), filters: p.getAll('filter'),
        sort: sort === 'asc' || sort === 'desc' ? sort : '',
        from: p.get('from') || '', to: p.get('to') || '',
        offset: parseInt(p.get('offset') || '0', 10) || 0 }, false);
}
window.addEventListener('popstate', fromUrl);
fromUrl();
