// Drives Chromium headless through playwright-core against a running
// attache serve: types the project's first question, presses Enter, and
// checks that the first result is the seed article with the query's
// words marked; then the typed fields of the corpus's front matter: the
// facet column, its filters, the sort by date and the date range; keeps
// screenshots (desktop and phone widths) in OUTDIR.
// usage: node search.mjs URL CHROMIUM OUTDIR
import { chromium } from 'playwright-core';

const [url, executablePath, outdir] = process.argv.slice(2);
const SEED = '000_b7587047f01f44ba';
let fails = 0, passes = 0;
const queryValue = (page) => page.locator('input#q').inputValue();
const check = (cond, msg) => { if (cond) passes++; else { fails++; console.log('FAIL: ' + msg); } };

const browser = await chromium.launch({
  executablePath, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(url, { waitUntil: 'load' });
  const box = page.locator('input#q');
  check(await box.evaluate((e) => e === document.activeElement), 'the search box has focus');
  await box.pressSequentially('defence cooperation Azerbaijan');
  await box.press('Enter');
  const first = page.locator('#results li.hit').first();
  await first.waitFor({ timeout: 20000 });

  check(await first.getAttribute('data-id') === SEED,
        'first result is the seed article, got ' + await first.getAttribute('data-id'));
  const marks = (await first.locator('mark').allInnerTexts()).map((t) => t.toLowerCase());
  check(marks.length > 0, 'the first result has marked words');
  check(marks.every((m) => /^(azerbaijan|defen[cs]e|cooperat)/.test(m)),
        'only the query\'s words are marked: ' + marks.join(', '));
  check(marks.some((m) => m.startsWith('azerbaijan')), 'Azerbaijan is marked');
  check((await first.locator('h2 a').innerText()).length > 0, 'the hit has a title');
  check(/score \d+\.\d\d/.test(await first.locator('.meta').innerText()), 'the hit shows its score');
  check(/Results 1.10 of \d+/.test(await page.locator('#status').innerText()),
        'status line: ' + await page.locator('#status').innerText());
  check(new URL(page.url()).searchParams.get('q') === 'defence cooperation Azerbaijan',
        'the query is in the address: ' + page.url());
  await page.screenshot({ path: outdir + '/search-desktop.png', fullPage: false });

  // paging with the keyboard: Tab to "Next", Enter
  const next = page.locator('#next');
  if (await next.isEnabled()) {
    await next.focus();
    await page.keyboard.press('Enter');
    await page.locator('#status', { hasText: /Results 11/ }).waitFor();
    check(await page.locator('#results li.hit').first().getAttribute('data-id') !== SEED,
          'page 2 shows other hits');
    await page.goBack();
    await page.locator('#status', { hasText: /Results 1.10 / }).waitFor();
    check(await page.locator('#results li.hit').first().getAttribute('data-id') === SEED,
          'Back returns to page 1');
  }
  // the full text of a hit opens in place
  await first.locator('h2 a').click();
  await first.locator('.full').waitFor();
  await first.locator('.full', { hasNotText: /Loading/ }).waitFor();
  check((await first.locator('.full').innerText()).includes('Azerbaijan'), 'full text shown');

  // typed fields (the corpus's front matter): each hit's date and source
  // under its title, a facet column whose click adds or removes a filter,
  // a sort by date and a date range
  const hitFields = () => page.locator('#results li.hit .fields').allInnerTexts();
  const hitDates = () => page.locator('#results li.hit').evaluateAll(
    (l) => l.map((x) => x.dataset.date || ''));
  await page.goto(url + '?q=' + encodeURIComponent('defence cooperation Azerbaijan'));
  await page.locator('.facet-group[data-facet=countries]').waitFor();
  check(/^2025-05-30 \u00b7 seed article \u00b7 .*pakistan/.test(
          await page.locator('#results li.hit').first().locator('.fields').innerText()),
        'the seed shows its date, source and countries');
  const az = page.locator('.facet-group[data-facet=countries] button', { hasText: /^azerbaijan/ });
  check(/azerbaijan\s*5/.test(await az.innerText()), 'countries facet: ' + await az.innerText());
  const total = await page.locator('#status').innerText();
  const pk = page.locator('.facet-group[data-facet=countries] button', { hasText: /^pakistan/ });
  const pkCount = parseInt((await pk.locator('.count').innerText()).replace(/,/g, ''), 10);
  await pk.click();
  await page.locator('#active li').first().waitFor();
  await page.locator('#status', { hasText: new RegExp('of ' + pkCount + ' ') }).waitFor();
  check(new URL(page.url()).searchParams.getAll('filter').includes('countries:"pakistan"'),
        'the filter is in the address: ' + page.url());
  check((await hitFields()).every((t) => /pakistan/.test(t)), 'every hit is about Pakistan');
  check(await page.locator('.facet-group[data-facet=countries] button[aria-pressed=true]').count() === 1,
        'the chosen value is pressed');
  await page.locator('#active button').first().click();      // remove it again
  await page.locator('#status', { hasText: total.replace(/ \(.*/, '') }).waitFor();
  check(await page.locator('#active').isHidden(), 'no filter left');
  await page.selectOption('#sort', 'desc');
  await page.locator('#status', { hasText: /Results 1/ }).waitFor();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'desc');
  await page.locator('#results li.hit').first().waitFor();
  let dates = await hitDates();
  check(dates.length > 1 && dates.every((d, i) => i === 0 || d <= dates[i - 1]),
        'newest first: ' + dates.join(' '));
  await page.selectOption('#sort', '');
  await page.fill('#from', '2025-06-01');
  await page.locator('#from').dispatchEvent('change');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('from') === '2025-06-01');
  await page.locator('#status', { hasText: /Results 1/ }).waitFor();
  dates = await hitDates();
  check(dates.length > 0 && dates.every((d) => d >= '2025-06-01'), 'dates from June: ' + dates.join(' '));
  await page.screenshot({ path: outdir + '/search-facets.png', fullPage: false });
  // filters alone, from the address: every document they match
  await page.goto(url + '?filter=' + encodeURIComponent('countries:"azerbaijan"'));
  await page.locator('#status', { hasText: /Results 1.5 of 5 / }).waitFor();
  check((await hitFields()).every((t) => /azerbaijan/.test(t)), 'filter alone: Azerbaijan');
  await page.goto(url, { waitUntil: 'load' });   /* filters kept per query: start afresh */

  // a broken query is answered, and what was repaired is said in small print
  await box.fill('gas AND');
  await box.press('Enter');
  await page.locator('#notes', { hasText: /AND without/ }).waitFor();
  check(await page.locator('#results li.hit').count() > 0, 'gas AND has results');
  check(!(await page.locator('#status').getAttribute('class') || '').includes('error'),
        'gas AND is no error');
  await box.fill('defence cooperation Azerbaijan');
  await box.press('Enter');
  await page.locator('#status', { hasText: /Results 1.10 / }).waitFor();
  check(await page.locator('#notes').isHidden(), 'no note for a query that needed no repair');
  check(await page.locator('#suggest').isHidden(), 'no suggestion for a query spelt right');

  // a misspelt word: "did you mean" as a link that runs the suggestion
  await box.fill('Azerbaijian gas');
  await box.press('Enter');
  const sug = page.locator('#suggest a', { hasText: 'azerbaijan gas' });
  await sug.waitFor();
  check(/^Did you mean: azerbaijan gas\?$/.test(await page.locator('#suggest').innerText()),
        'suggestion shown: ' + await page.locator('#suggest').innerText());
  await sug.click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'azerbaijan gas');
  await page.locator('#suggest').waitFor({ state: 'hidden' });
  check(await queryValue(page) === 'azerbaijan gas', 'the suggestion ran: ' + await queryValue(page));

  // an error is shown, not thrown: a query over the server's limit
  await page.goto(url + '?q=' + 'a'.repeat(16400), { waitUntil: 'load' });
  await page.locator('#status.error').waitFor();
  check(/over 16384 bytes/.test(await page.locator('#status').innerText()),
        'error shown: ' + await page.locator('#status').innerText());

  // a phone-sized screen: no horizontal scrolling
  const phone = await browser.newPage({ viewport: { width: 375, height: 740 }, isMobile: true });
  await phone.goto(url + '?q=' + encodeURIComponent('defence cooperation Azerbaijan'));
  await phone.locator('#results li.hit').first().waitFor({ timeout: 20000 });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'no horizontal scroll on a phone: ' + overflow + 'px');
  await phone.screenshot({ path: outdir + '/search-phone.png', fullPage: false });

  const origin = new URL(url).origin;
  check(requests.every((r) => r.startsWith(origin)), 'nothing fetched from elsewhere');
  // the one failed request meant: the 400 of the bad query
  const unexpected = errors.filter((e) => !/status of 400/.test(e));
  check(unexpected.length === 0, 'no errors in the page: ' + unexpected.join(' | '));
} finally {
  await browser.close();
}
console.log(`browser: ${passes} passed, ${fails} failed; screenshots in ${outdir}`);
process.exit(fails || !passes ? 1 : 0);
