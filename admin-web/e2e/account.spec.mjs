// Browser test of the profile review queue (ENT-1), run by tests/e2e/browser.rs:
//
//   node account.spec.mjs <base-url> <screenshot.png>
//
// The demo enterprise administrator submits a new profile (full name, short name, contact);
// the account page shows it waiting while the old values stay live; the operator "ops"
// (password Operator-Passw0rd-1, added with `orgdir operator add` before the server started)
// rejects it with a reason, which the administrator reads; the administrator submits again
// and the operator approves: the new values are live. Prints {"short_name": "..."}.

import { args, check, expectSaved, follow, run, signIn, submit } from './lib.mjs';

const [base, screenshot] = args('account.spec.mjs');
const SHORT = 'ExampleGroup';

async function operatorDecides(page, approve, reason) {
  await page.goto(`${base}/panel/operator/signin`);
  if (new URL(page.url()).pathname === '/panel/operator/signin') {
    await page.fill('#operator-name', 'ops');
    await page.fill('#operator-password', 'Operator-Passw0rd-1');
    await submit(page, page.locator('form[action="/panel/operator/signin"]'));
  }
  const item = page.locator('#reviews .review[data-number="100001"]');
  check((await item.count()) === 1, 'the change is in the operator queue');
  check((await item.locator('tr.changed', { hasText: 'short_name' }).innerText()).includes(SHORT), 'the queue shows the new short name');
  if (approve) {
    await submit(page, item.locator('form', { hasText: 'Approve' }));
  } else {
    const form = item.locator('form.reject');
    await form.locator('input[name=reason]').fill(reason);
    await submit(page, form);
  }
  await expectSaved(page, 'review');
}

await run(screenshot, async (page, context) => {
  await signIn(page, base, '', 'Admin-Passw0rd-1');
  await follow(page, page.locator('#menu a[href="/panel/account"]'));
  const submitProfile = async () => {
    await page.fill('#profile-name', 'Example Group Ltd.');
    await page.fill('#profile-short-name', SHORT);
    await page.fill('#profile-contact-name', 'Li Lei');
    await page.fill('#profile-contact-phone', '+86 10 6000 0000');
    await submit(page, page.locator('#profile'));
    await expectSaved(page, 'submit profile');
    check((await page.locator('#pending').count()) === 1, 'the change waits');
    const live = await page.locator('#live-profile').innerText();
    check(live.includes('Example Ltd.') && !live.includes(SHORT), `old values stay live: ${live}`);
  };
  await submitProfile();

  // The operator, in another browser context (its own cookies).
  const op = await context.browser().newContext({ locale: 'en-US' });
  const opPage = await op.newPage();
  await operatorDecides(opPage, false, 'The licence names another company');
  await page.reload();
  check((await page.locator('#last-review').innerText()).includes('The licence names another company'), 'the reason reaches the enterprise');
  check((await page.locator('#pending').count()) === 0, 'nothing waits after a rejection');

  await submitProfile();
  await operatorDecides(opPage, true);
  await page.reload();
  const live = await page.locator('#live-profile').innerText();
  check(live.includes('Example Group Ltd.') && live.includes(SHORT) && live.includes('Li Lei'), `approved values are live: ${live}`);
  await op.close();
  return { short_name: SHORT };
});
