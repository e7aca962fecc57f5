// Browser test of spreadsheet import and export (IMP-1..4), run by tests/e2e/browser.rs:
//
//   node import.spec.mjs <base-url> <screenshot.png>
//
// As the demo enterprise administrator: downloads the template from "Import / export";
// uploads a CSV with one row lacking its name (all or nothing, the default) — the job page
// shows the error and its error file downloads as an XLSX, nothing is stored; uploads the
// good row alone — done, the member 10401 created in a new org "Legal"; then, from the org
// page of Sales, exports that subtree as CSV and checks its rows. Prints
// {"account": "10401", "exported": [...accounts]}; tests/e2e/browser.rs checks over LDAP.

import { readFileSync } from 'node:fs';

import { STEP_TIMEOUT, args, check, follow, run, signIn, submit } from './lib.mjs';

const [base, screenshot] = args('import.spec.mjs');
const HEADER = 'org path,account,name,mobile,email,title,role';
const GOOD = 'Legal,10401,Wu Ming,,wu.ming@example.com,Counsel,Member';
const BAD = 'Legal,10402,,,,,Member';

/** Clicks `link` and returns the downloaded file: its suggested name and bytes. */
async function download(page, link) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: STEP_TIMEOUT }), link.click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}

/** Uploads `text` as a CSV with the form's defaults (all or nothing, not a dry run). */
async function upload(page, name, text) {
  await page.goto(`${base}/panel/import`);
  check((await page.locator('#mode-all').isChecked()), 'all or nothing is the default');
  await page.setInputFiles('#import-file', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  await submit(page, page.locator('#upload'));
  check(/^\/panel\/import\/jobs\/[0-9a-f]{32}$/.test(new URL(page.url()).pathname), `job page, at ${page.url()}`);
}

/** Waits, through the page's own refreshes, until its job is no longer running. */
async function finished(page) {
  await page.waitForSelector('#job[data-state="done"], #job[data-state="failed"]', { timeout: STEP_TIMEOUT });
  await page.waitForLoadState('load');
  return page.locator('#job').getAttribute('data-state');
}

async function summary(page, key) {
  return Number(await page.locator(`#job-summary [data-key="${key}"]`).innerText());
}

await run(screenshot, async (page) => {
  await signIn(page, base, '', 'Admin-Passw0rd-1');
  await follow(page, page.locator('#menu a[href="/panel/import"]'));

  // IMP-1: the template.
  const template = await download(page, page.locator('#template'));
  check(template.name.endsWith('.xlsx') && template.bytes.subarray(0, 2).toString() === 'PK', `template ${template.name}`);

  // IMP-2, IMP-3: one invalid row, all or nothing: nothing stored, the error shown, the
  // error file downloadable.
  await upload(page, 'members.csv', `${HEADER}\n${GOOD}\n${BAD}\n`);
  check((await finished(page)) === 'done', 'the import job is done');
  check((await summary(page, 'error_rows')) === 1, 'one row with errors');
  check((await summary(page, 'stored')) === 0, 'nothing stored');
  const problems = await page.locator('#problems').innerText();
  check(problems.includes('Row 3') && problems.includes('name: required, but empty'), `the problem in words: ${problems}`);
  const errors = await download(page, page.locator('#error-file'));
  check(errors.name === 'orgdir-import-errors.xlsx', `error file name ${errors.name}`);
  check(errors.bytes.subarray(0, 2).toString() === 'PK', 'the error file is an XLSX');

  // The good row alone: stored.
  await upload(page, 'members.csv', `${HEADER}\n${GOOD}\n`);
  check((await finished(page)) === 'done', 'the second import job is done');
  check((await page.locator('p.msg.ok').innerText()).includes('The import is done.'), 'done message');
  check((await summary(page, 'created')) === 1 && (await summary(page, 'orgs_created')) === 1, 'one member, one org');
  check((await summary(page, 'stored')) >= 2, 'changes stored');
  check((await page.locator('#error-file').count()) === 0, 'no error file');

  // IMP-4: export the Sales subtree as CSV from the org page's link.
  await follow(page, page.locator('#menu a[href="/panel/orgs"]'));
  await follow(page, page.locator('#org-tree a', { hasText: 'Sales' }));
  await follow(page, page.locator('#export-link'));
  const selected = await page.locator('#export-org option:checked').innerText();
  check(selected === 'Sales', `Sales preselected, not ${selected}`);
  await page.selectOption('#export-format', 'csv');
  await submit(page, page.locator('#export-form'));
  check((await finished(page)) === 'done', 'the export job is done');
  const csv = await download(page, page.locator('#download'));
  check(csv.name === 'orgdir-members.csv', `export name ${csv.name}`);
  const lines = csv.bytes.toString('utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  check(lines[0].startsWith('org path,account,name'), `header ${lines[0]}`);
  const rows = lines.slice(1).map((l) => l.split(','));
  check(rows.length > 0 && rows.every((r) => r[0] === 'Sales' || r[0].startsWith('Sales/')), `only Sales: ${lines.join(' | ')}`);
  const exported = rows.map((r) => r[1]);
  check(exported.includes('10040') && !exported.includes('10001') && !exported.includes('10401'), `accounts ${exported}`);
  return { account: '10401', exported };
});
