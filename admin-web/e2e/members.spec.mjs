// Browser test of the member pages (ORG-1, ORG-5, ORG-7, ORG-8), run by tests/e2e/browser.rs:
//
//   node members.spec.mjs <base-url> <screenshot.png>
//
// As the demo enterprise administrator: searches "zhao" and opens Zhao Jun (10008), sets
// the title "Team Lead" and a mobile on the member page; renames the org "North" to
// "North China"; searches "1001", selects 10011 and 10012 and moves them to Support, then
// resets their passwords to "Fresh-Passw0rd-9" (confirmed with the super password). Prints
// {"moved": [...]} on success; tests/e2e/browser.rs checks the result over LDAP.

import { args, check, expectSaved, follow, run, signIn, submit } from './lib.mjs';

const [base, screenshot] = args('members.spec.mjs');

await run(screenshot, async (page) => {
  await signIn(page, base, '', 'Admin-Passw0rd-1');

  // ORG-7: search from the menu; pinyin prefix of the family name.
  await follow(page, page.locator('#menu a[href="/panel/search"]'));
  await page.fill('#q', 'zhao');
  await submit(page, page.locator('#search'));
  check((await page.locator('#members tr', { hasText: 'Zhao Jun' }).count()) === 1, 'Zhao Jun found');
  await follow(page, page.locator('#members a', { hasText: 'Zhao Jun' }));
  check((await page.locator('#member-name').innerText()).includes('10008'), 'member page of 10008');

  // Edit on the member page.
  await page.fill('#edit-title', 'Team Lead');
  await page.fill('#edit-mobile', '+86 138 0000 0008');
  await submit(page, page.locator('#edit-member'));
  await expectSaved(page, 'edit member');
  const facts = await page.locator('#member-facts').innerText();
  check(facts.includes('Team Lead') && facts.includes('+86 138 0000 0008'), `facts updated: ${facts}`);

  // ORG-1: rename an org from the tree.
  await follow(page, page.locator('#menu a[href="/panel/orgs"]'));
  // North sits in Sales, collapsed until Sales is selected.
  check(!(await page.locator('#org-tree a', { hasText: 'North' }).isVisible()), 'North collapsed');
  await follow(page, page.locator('#org-tree a', { hasText: 'Sales' }));
  await follow(page, page.locator('#org-tree a', { hasText: 'North' }));
  await page.fill('#rename-name', 'North China');
  await submit(page, page.locator('#rename-org'));
  await expectSaved(page, 'rename org');
  check((await page.locator('#selected-org').innerText()) === 'North China', 'renamed');

  // ORG-8: multi-select in search results, batch move, then batch reset.
  await page.goto(`${base}/panel/search?q=1001`);
  const moved = ['10011', '10012'];
  for (const account of moved) {
    await page.check(`#members tr[data-account="${account}"] input[type=checkbox]`);
  }
  await page.selectOption('#batch-org', { label: 'Example / Support' });
  await submit(page, page.locator('#batch'), page.locator('#batch-move'));
  await expectSaved(page, 'batch move');
  for (const account of moved) {
    await page.check(`#members tr[data-account="${account}"] input[type=checkbox]`);
  }
  await page.fill('#batch-password', 'Fresh-Passw0rd-9');
  await page.fill('#batch-confirm', 'Admin-Passw0rd-1');
  await submit(page, page.locator('#batch'), page.locator('#batch-reset'));
  await expectSaved(page, 'batch reset');
  return { moved };
});
