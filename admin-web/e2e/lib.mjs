// What the browser scripts share: argument handling, the system chromium, and the steps
// every scenario uses (submit a form and wait for the next page, check the page's message,
// sign in). Plain node, no test runner; never downloads a browser.

import { chromium } from 'playwright-core';

export const STEP_TIMEOUT = 60_000;

/** `[base, screenshot]` from the command line, or exits with the usage of `script`. */
export function args(script) {
  const [base, screenshot] = process.argv.slice(2);
  if (!base || !screenshot) {
    console.error(`usage: node ${script} <base-url> <screenshot.png>`);
    process.exit(2);
  }
  return [base, screenshot];
}

export function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** Clicks the form's submit button (or `button`) and waits for the page it leads to. */
export async function submit(page, form, button) {
  const target = button || form.locator('button[type=submit]');
  await Promise.all([page.waitForNavigation({ timeout: STEP_TIMEOUT }), target.click()]);
}

/** Follows a link. */
export async function follow(page, link) {
  await Promise.all([page.waitForNavigation({ timeout: STEP_TIMEOUT }), link.click()]);
}

/** Fails with the page's error messages unless it shows one success message. */
export async function expectSaved(page, what) {
  if ((await page.locator('p.msg.ok').count()) !== 1) {
    const err = await page.locator('p.msg.err').allTextContents();
    throw new Error(`${what}: not saved (errors on the page: ${JSON.stringify(err)})`);
  }
}

/** Signs in to enterprise 100001 (`account` '' for the enterprise administrator). */
export async function signIn(page, base, account, password) {
  await page.goto(`${base}/panel/signin`);
  await page.fill('#enterprise', '100001');
  await page.fill('#account', account);
  await page.fill('#password', password);
  await submit(page, page.locator('form[action="/panel/signin"]'));
  check(
    new URL(page.url()).pathname === '/panel/',
    `home after sign-in as "${account}", at ${page.url()}`,
  );
}

/**
 * Runs `scenario(context)` in a fresh headless chromium and exits: 0 after printing the
 * scenario's result as one JSON line, 1 after printing the failure, the page's URL and HTML.
 * A screenshot of the last page is saved either way.
 */
export async function run(screenshot, scenario) {
  const browser = await chromium.launch({
    executablePath: process.env.ORGDIR_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: STEP_TIMEOUT,
  });
  let code = 0;
  const state = { page: null };
  try {
    const context = await browser.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(STEP_TIMEOUT);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT);
    state.page = await context.newPage();
    const result = await scenario(state.page, context);
    await state.page.screenshot({ path: screenshot, fullPage: true });
    console.log(JSON.stringify(result));
  } catch (e) {
    code = 1;
    console.error(`${process.argv[1]}: ${e && e.stack ? e.stack : e}`);
    if (state.page) {
      try {
        console.error(`at ${state.page.url()}`);
        console.error((await state.page.content()).slice(0, 4000));
        await state.page.screenshot({ path: screenshot, fullPage: true });
      } catch (_) {
        // the failure above is what matters
      }
    }
  } finally {
    await browser.close();
  }
  process.exit(code);
}
