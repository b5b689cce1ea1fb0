// The search page of attache serve: asks GET /search and shows the hits.
// Passages come with "html" from the server: the stored text already
// HTML-escaped, with <mark> around the matched words; everything else
// is set as text. No data leaves this server.
'use strict';

const PAGE = 10;
const $ = (id) => document.getElementById(id);
const form = $('search'), input = $('q'), statusLine = $('status');
const results = $('results'), pager = $('pager'), notes = $('notes');
const prev = $('prev'), next = $('next'), pageNo = $('page');
let current = { q: '', offset: 0, total: 0, exact: true, count: 0 };

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

function render(body) {
  results.replaceChildren();
  showNotes(body.notes);
  for (const hit of body.hits) {
    const link = el('a', { href: '/documents/' + encodeURIComponent(hit.id),
                           textContent: hit.title || hit.id });
    link.addEventListener('click', (ev) => { ev.preventDefault(); toggle(li, hit.id); });
    const li = el('li', { className: 'hit' },
      el('h2', {}, link),
      el('p', { className: 'meta', textContent: hit.id + ' \u00b7 score ' + hit.score.toFixed(2) }));
    li.dataset.id = hit.id;
    for (const p of hit.passages) {
      const para = el('p', { className: 'passage' });
      para.innerHTML = p.html; // escaped by the server, <mark> only
      li.append(para);
    }
    results.append(li);
  }
  const first = body.offset + 1, last = body.offset + body.hits.length;
  const total = body.total_exact ? fmt(body.total) : 'at least ' + fmt(body.total);
  if (body.hits.length === 0)
    say(body.offset > 0 ? 'No more results.' : 'No results for \u201c' + body.query + '\u201d.');
  else
    say('Results ' + fmt(first) + '\u2013' + fmt(last) + ' of ' + total +
        ' (' + body.took_ms.toFixed(1) + ' ms)');
  current = { q: body.query, offset: body.offset, total: body.total,
              exact: body.total_exact, count: body.hits.length };
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

async function search(q, offset, push) {
  q = q.trim();
  if (push) {
    const url = q ? '/?' + new URLSearchParams(offset ? { q, offset } : { q }) : '/';
    history.pushState({ q, offset }, '', url);
  }
  document.title = q ? q + ' \u2013 attache search' : 'attache search';
  if (!q) { results.replaceChildren(); pager.hidden = true; say(''); showNotes(); return; }
  say('Searching\u2026');
  const params = new URLSearchParams({ q, n: PAGE, offset, passages: 2 });
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
    say(body && body.error ? body.error.message : 'Error ' + res.status, true);
    return;
  }
  render(body);
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  search(input.value, 0, true);
});
prev.addEventListener('click', () => {
  search(current.q, Math.max(0, current.offset - PAGE), true);
  input.focus();
});
next.addEventListener('click', () => {
  search(current.q, current.offset + PAGE, true);
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
  const q = p.get('q') || '';
  input.value = q;
  search(q, parseInt(p.get('offset') || '0', 10) || 0, false);
}
window.addEventListener('popstate', fromUrl);
fromUrl();
