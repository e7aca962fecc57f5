// Browser test of the admin panel, run by tests/e2e/browser.rs (plain node, no test runner):
//
//   node panel.spec.mjs <base-url> <screenshot.png>
//
// Signs in as the demo enterprise administrator, adds the org "Legal" under the root, adds
// the member "Test Person" in it, hides then disables that member, and saves a screenshot.
// Prints one JSON line {"account": "..."} with the new member's account on success; exits
// non-zero on any failure. Uses the system chromium (Debian package); never downloads a
// browser.

import { args, check, expectSaved, run, submit } from './lib.mjs';

const [base, screenshot] = args('panel.spec.mjs');

await run(screenshot, async (page) => {
  // `/` leads to the sign-in page.
  await page.goto(`${base}/`);
  check(new URL(page.url()).pathname === '/panel/signin', `redirected to sign-in, at ${page.url()}`);

  // LOGIN-1: enterprise number + super password, no account.
  await page.fill('#enterprise', '100001');
  await page.fill('#password', 'Admin-Passw0rd-1');
  await submit(page, page.locator('form[action="/panel/signin"]'));
  check(new URL(page.url()).pathname === '/panel/', `home after sign-in, at ${page.url()}`);
  const home = await page.locator('main').innerText();
  check(home.includes('100001'), 'home shows the enterprise number');
  check(home.includes('First steps'), 'home shows the first steps');

  // The org tree, root selected.
  await Promise.all([
    page.waitForNavigation(),
    page.click('header a[href="/panel/orgs"]'),
  ]);
  check((await page.locator('#org-tree').count()) === 1, 'org tree shown');
  const rootName = await page.locator('#selected-org').innerText();
  check(rootName.length > 0, 'an org is selected');

  // ORG-1: add "Legal" under the root; the panel then selects it.
  await page.fill('#org-name', 'Legal');
  await submit(page, page.locator('#add-org'));
  await expectSaved(page, 'add org');
  check((await page.locator('#selected-org').innerText()) === 'Legal', 'Legal selected');
  check((await page.locator('#org-tree a', { hasText: 'Legal' }).count()) === 1, 'Legal in the tree');

  // ORG-3: add a member with the suggested account.
  const suggested = await page.getAttribute('#member-account', 'placeholder');
  check(/^\d+$/.test(suggested || ''), `a free account is suggested (${suggested})`);
  await page.fill('#member-name', 'Test Person');
  await page.fill('#member-email', 'test.person@example.com');
  await page.fill('#member-password', 'Test-Person-Passw0rd-1');
  await submit(page, page.locator('#add-member'));
  await expectSaved(page, 'add member');
  const row = () => page.locator('#members tr', { hasText: 'Test Person' });
  check((await row().count()) === 1, 'the new member is listed');
  const account = await row().getAttribute('data-account');
  check(account === suggested, `the suggested account was used (${account} vs ${suggested})`);
  check((await row().innerText()).includes('test.person@example.com'), 'mail shown');

  // ORG-9: hide.
  await submit(page, row().locator('form', { hasText: 'Hide' }));
  await expectSaved(page, 'hide');
  check((await row().locator('.badge.hidden').count()) === 1, 'hidden badge');

  // ORG-6: disable.
  await submit(page, row().locator('form', { hasText: 'Disable' }));
  await expectSaved(page, 'disable');
  check((await row().locator('.badge.disabled').count()) === 1, 'disabled badge');
  check((await row().locator('.badge.hidden').count()) === 1, 'still hidden');

  return { account };
});
