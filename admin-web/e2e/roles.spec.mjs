// Browser test of the roles pages (ROLE-2, ROLE-4, LOGIN-2), run by tests/e2e/browser.rs
// (plain node, no test runner):
//
//   node roles.spec.mjs <base-url> <screenshot.png>
//
// Signs in as the demo enterprise administrator, creates the custom role "Member managers"
// with "Manage members", gives it to member 10005 from the role's member page, finds the
// change on the audit page, then signs in as 10005 and checks that the panel now offers member
// management (and still no roles menu). Prints one JSON line {"role": <id>} on success; exits
// non-zero on any failure (see lib.mjs).

import { args, check, expectSaved, follow, run, signIn, submit } from './lib.mjs';

const [base, screenshot] = args('roles.spec.mjs');
const ROLE = 'Member managers';

await run(screenshot, async (page) => {
  await signIn(page, base, '', 'Admin-Passw0rd-1');
  await follow(page, page.locator('#menu a[href="/panel/roles"]'));
  check((await page.locator('#matrix').count()) === 1, 'the permission matrix is shown');

  // ROLE-2: a custom role with one permission.
  await page.fill('#new-role-name', ROLE);
  await page.check('#new-role input[name=perm][value=manage_members]');
  await submit(page, page.locator('#new-role'));
  await expectSaved(page, 'create role');
  const column = page.locator('#matrix thead th', { has: page.locator(`input[value="${ROLE}"]`) });
  const role = await column.getAttribute('data-role');
  check(/^\d+$/.test(role || ''), `the new role has a column (${role})`);
  const ticked = page.locator(`input[form="role-form-${role}"][name=perm]:checked`);
  check((await ticked.count()) === 1, 'one permission ticked');
  check((await ticked.getAttribute('value')) === 'manage_members', 'manage members ticked');

  // ROLE-4: give it to 10005 from the role's member page.
  await follow(page, page.locator(`#role-members a[href="/panel/roles/${role}"]`));
  check((await page.locator('#no-holders').count()) === 1, 'nobody holds the new role yet');
  await page.fill('#give-account', '10005');
  await submit(page, page.locator('#give-role'));
  await expectSaved(page, 'give role');
  check((await page.locator('#holders tr[data-account="10005"]').count()) === 1, '10005 listed');

  // The audit log shows who did it.
  await follow(page, page.locator('#menu a[href="/panel/audit"]'));
  const latest = page.locator('#audit tbody tr').first();
  check((await latest.getAttribute('data-action')) === 'member.role', 'newest entry is the role change');
  const cells = await latest.locator('td').allInnerTexts();
  check(cells[1] === 'super' && cells[3] === '10005', `who and what: ${JSON.stringify(cells)}`);

  await submit(page, page.locator('form[action="/panel/signout"]'));

  // LOGIN-2: 10005 now manages members, but not roles.
  await signIn(page, base, '10005', 'Passw0rd-10005');
  check((await page.locator('#menu a[href="/panel/roles"]').count()) === 0, 'no roles menu for 10005');
  await follow(page, page.locator('#menu a[href="/panel/orgs"]'));
  check((await page.locator('#add-member').count()) === 1, 'the org page offers adding members');
  check((await page.locator('#add-org').count()) === 0, 'but not changing the tree');

  return { role: Number(role) };
});
