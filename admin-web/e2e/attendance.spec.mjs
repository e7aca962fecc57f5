// Browser test of the attendance plugin's panel (ATT-2, ATT-3, ATT-5), run by
// tests/e2e/browser.rs against a server started with [plugins] enabled = ["attendance"]:
//
//   node attendance.spec.mjs <base-url> <screenshot.png>
//
// As the demo enterprise administrator: turns attendance off and on again on the Plugins
// page (its menu entries go and come back); saves rules on the rules form (an invalid time zone first: refused with
// the reason and the typed values kept); opens the daily report from the menu, which says
// attendance counts from tomorrow; picks that date with the report's date form; follows a
// count to the rows behind it; then the same report in Chinese. Prints
// {"first_day": "YYYY-MM-DD", "saved_from": "YYYY-MM-DD"}; tests/e2e/browser.rs checks the
// saved rules and the first counted day over the API.

import { args, check, expectSaved, follow, run, signIn, submit } from './lib.mjs';

const [base, screenshot] = args('attendance.spec.mjs');
const P = '/panel/p/attendance';

/** The day after `ymd` (YYYY-MM-DD), in the calendar. */
function nextDay(ymd) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

await run(screenshot, async (page, context) => {
  await signIn(page, base, '', 'Admin-Passw0rd-1');

  // The demo enterprise has the plugin on from the start. Turned off, its menu entries
  // go; turned on again (ATT-2: it counts from the next day), they come back.
  await page.goto(`${base}/panel/plugins`);
  const section = page.locator('#plugin-attendance');
  check((await section.innerText()).includes('On'), 'attendance is on for the demo');
  await submit(page, section.locator('form'));
  check((await section.innerText()).includes('Off'), 'attendance is off');
  check((await page.locator(`#menu a[href^="${P}/"]`).count()) === 0, 'no attendance menu while off');
  await submit(page, section.locator('form'));
  check((await section.innerText()).includes('On'), 'attendance is on again');
  for (const path of ['', 'daily', 'monthly', 'records', 'rules']) {
    check((await page.locator(`#menu a[href="${P}/${path}"]`).count()) === 1, `menu entry ${P}/${path}`);
  }

  // ATT-3: the rules form. A time zone that does not exist is refused, the form kept.
  await follow(page, page.locator(`#menu a[href="${P}/rules"]`));
  check((await page.locator('#no-rules').count()) === 1, 'no rules yet');
  await page.fill('#time_zone', 'Mars/Olympus');
  await page.fill('#work_start', '09:00');
  await page.fill('#work_end', '18:00');
  await page.fill('#grace', '5');
  await page.fill('#holidays', '2030-10-01\n2030-10-02');
  await submit(page, page.locator('#rules-form'), page.locator('#save-rules'));
  const refusal = await page.locator('p.msg.err').allTextContents();
  check(refusal.some((m) => m.includes('unknown time zone')), `refusal: ${JSON.stringify(refusal)}`);
  check((await page.inputValue('#holidays')).includes('2030-10-02'), 'typed holidays kept');
  await page.fill('#time_zone', 'Asia/Shanghai');
  await submit(page, page.locator('#rules-form'), page.locator('#save-rules'));
  await expectSaved(page, 'the rules');
  const saved = (await page.locator('p.msg.ok').innerText()).match(/\d{4}-\d{2}-\d{2}/);
  check(saved, 'the saved message names the date the rules apply from');
  const savedFrom = saved[0];
  check((await page.locator('#rules-history tbody tr').count()) === 1, 'one version in the history');
  check(await page.locator('#wd_mon').isChecked(), 'Monday stays a working day');

  // ATT-2 and ATT-5: the daily report says counting starts tomorrow.
  await follow(page, page.locator(`#menu a[href="${P}/daily"]`));
  const firstDay = (await page.locator('#first-day').innerText()).trim();
  check(firstDay === nextDay(savedFrom), `counting starts the day after ${savedFrom}, not ${firstDay}`);
  check((await page.locator('#daily-counts').count()) === 1, 'the counts table');
  check((await page.locator('#no-abnormal').count()) === 1, 'nobody abnormal today');

  // The date form.
  await page.fill('#date', firstDay);
  await submit(page, page.locator('#daily-form'));
  check(new URL(page.url()).searchParams.get('date') === firstDay, `daily report of ${firstDay}, at ${page.url()}`);
  check((await page.locator('h2', { hasText: firstDay }).count()) >= 1, 'the heading names the date');

  // Every number leads to its rows: nobody is counted before the day begins.
  const working = page.locator('#daily-counts a[data-status="working"]');
  check((await working.innerText()) === '0', 'no working day counted yet');
  await follow(page, working);
  check(new URL(page.url()).pathname === `${P}/days`, `drill-down page, at ${page.url()}`);
  check((await page.locator('#drill-count').innerText()) === '0', 'no rows');
  check((await page.locator('#days-none').count()) === 1, 'the empty list says so');

  // The same report in Chinese.
  const zh = await context.browser().newContext({ locale: 'zh-CN' });
  const zpage = await zh.newPage();
  await signIn(zpage, base, '', 'Admin-Passw0rd-1');
  await zpage.goto(`${base}${P}/daily?date=${firstDay}`);
  const text = await zpage.locator('main').innerText();
  check(text.includes('考勤异常人员') && text.includes('迟到'), 'the daily report in Chinese');
  await zh.close();

  return { first_day: firstDay, saved_from: savedFrom };
});
