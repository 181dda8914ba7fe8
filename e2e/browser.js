// browser.js: acceptance test of the `fedgate demo` Office 365 flow in a real
// headless Chromium (test-recipes.md, Recipe 7). browser_test.go starts the
// demo and runs this script; it can also be run by hand against a demo:
//
//   node browser.js https://127.0.0.1:PORT/ out/
//
// Arguments: the "Start here" URL printed by `fedgate demo` and a directory
// for screenshots (created if missing; earlier screenshots named NN-*.png in
// it are removed first). One full-page screenshot is taken of every page
// visited, numbered in order.
//
// Walk:
//   browser 1 (fresh profile)
//     start page → alice@contoso.com → Next → fedgate sign-in (user name
//     pre-filled) → password → TOTP enrollment (code computed here from
//     #secret, RFC 6238) → token auto-POST → signed in, MFA done;
//     start page → alice again → Next → signed in without any password or
//     code page (single sign-on);
//     fedgate's security page → two app passwords created, one revoked
//   browser 2 (fresh profile)
//     someone@fabrikam.com → managed-domain page;
//     bob@contoso.com with a wrong password → the generic #error, and an
//     unknown user gets the very same text (no account enumeration);
//     alice again → password → code page (already enrolled) → signed in
//
// The harness, the page steps and the output are browserlib.js's: a JSON
// summary on stdout, progress on stderr; exit status 0 = every expectation
// held, 1 = one failed, 2 = usage or setup error. A CSP violation or an
// uncaught page error fails the walk.
//
// Secrets: the TOTP seed and codes are never printed; the summary only says
// how long the seed was. The app passwords go to a 0600 file for
// browser_test.go, never to the summary. The demo passwords below are the
// published demo accounts (ldaptest.Contoso), not secrets.
'use strict';

const fs = require('fs');
const path = require('path');
const {
  runMain, expect, waitFor, text, startOrigin, openStartPage, submitEmail, homeRealm, expectSignedIn,
  submitPassword, signInError, enroll, codePage, viaAutoPost,
} = require('./browserlib');

const RUN_TIMEOUT_MS = 150000; // hard stop for the whole walk

const ALICE = { upn: 'alice@contoso.com', immutableID: 'RW+aKiwLHUqeP11se4qfAQ==' }; // o365-reference section 4
const ALICE_PASSWORD = 'Alice-Passw0rd!';
const BOB = 'bob@contoso.com';
const WRONG_PASSWORD = 'Not-Bobs-Passw0rd!';
const UNKNOWN_USER = 'nobody@contoso.com';
const MANAGED_USER = 'someone@fabrikam.com';
const APP_PASSWORD_KEPT = 'Outlook 2010';
const APP_PASSWORD_REVOKED = 'Old phone';
const APP_PASSWORD_FORMAT = /^[23456789a-hjkmnp-z]{4}(-[23456789a-hjkmnp-z]{4}){5}$/;
const APP_PASSWORDS_FILE = 'app-passwords.json'; // read by browser_test.go

async function walk(run) {
  // Browser 1: first sign-in with enrollment, then single sign-on.
  run.phase = 'first sign-in';
  const b1 = await run.openBrowser('browser-1');
  let page = b1.page;
  const hrd = await homeRealm(run, page, ALICE.upn, { startShot: 'msonline-signin', passwordShot: 'fedgate-password' });
  const fedgateOrigin = hrd.origin;
  expect(hrd.pathname === '/adfs/ls/' && hrd.searchParams.get('wa') === 'wsignin1.0' &&
    hrd.searchParams.get('wtrealm') === 'urn:federation:MicrosoftOnline',
  `home-realm discovery sent the browser to ${page.url()}, want /adfs/ls/?wa=wsignin1.0&wtrealm=urn:federation:MicrosoftOnline`);
  await submitPassword(page, ALICE_PASSWORD);
  const { key, totp, qr } = await enroll(run, page);
  const firstPost = await viaAutoPost(run, page, 'fedgate-autopost', () => page.click('#verifyButton'));
  const first = await expectSignedIn(run, page, 'msonline-signed-in', ALICE);
  run.checkClean();
  run.result.firstSignIn = { ...first, enrolled: true, seedBytes: key.length, qr, autoPost: firstPost };

  run.phase = 'single sign-on';
  await openStartPage(run, page, 'msonline-signin-again');
  const before = b1.session.navigations.length;
  const ssoPost = await viaAutoPost(run, page, 'fedgate-autopost-sso', () => submitEmail(page, ALICE.upn));
  const sso = await expectSignedIn(run, page, 'msonline-signed-in-sso', ALICE);
  const navs = b1.session.navigations.slice(before);
  const fedgatePages = navs.filter((u) => new URL(u).origin === fedgateOrigin);
  expect(fedgatePages.length === 1 && ssoPost.page === fedgatePages[0],
    `single sign-on showed fedgate pages ${JSON.stringify(fedgatePages)}; want only the token page`);
  run.checkClean();
  run.result.sso = { ...sso, passwordPageShown: false, navigations: navs };

  // The session's second factor is minutes old: the security page opens
  // without another sign-in. Two app passwords are created and the second
  // is revoked; browser_test.go then uses both on usernamemixed. They go
  // to a 0600 file in outDir, never into the summary or the log.
  run.phase = 'app passwords';
  await page.goto(`${fedgateOrigin}/adfs/portal/security`, { waitUntil: 'load' });
  await waitFor(page, '#createForm', 'the security page (the MFA session should open it)');
  expect((await text(page, '#portal-user')) === ALICE.upn, 'the security page is not for alice');
  await waitFor(page, '#replaceForm', 'the replace-authenticator form');
  await run.screenshot(page, 'fedgate-security');
  const created = [];
  for (const name of [APP_PASSWORD_KEPT, APP_PASSWORD_REVOKED]) {
    await page.fill('#nameInput', name);
    await page.click('#createButton');
    await waitFor(page, '#app-password', `the new app password "${name}"`);
    const pw = await text(page, '#app-password');
    expect(APP_PASSWORD_FORMAT.test(pw), 'the app password does not have the documented format');
    created.push(pw);
    await page.click('#backLink');
    await waitFor(page, '#createForm', 'the security page after creating an app password');
  }
  expect(!(await page.content()).includes(created[0]), 'the security page shows an app password again');
  await page.locator('#appPasswords tr', { hasText: APP_PASSWORD_REVOKED }).locator('button').click();
  await waitFor(page, '#notice', 'the revocation notice');
  expect(await page.locator('#appPasswords tr', { hasText: APP_PASSWORD_REVOKED }).count() === 0, 'the revoked app password is still listed');
  expect(await page.locator('#appPasswords tr', { hasText: APP_PASSWORD_KEPT }).count() === 1, 'the kept app password is not listed');
  await run.screenshot(page, 'fedgate-security-revoked');
  run.checkClean();
  fs.writeFileSync(path.join(run.outDir, APP_PASSWORDS_FILE), JSON.stringify({ kept: created[0], revoked: created[1] }), { mode: 0o600 });
  run.result.appPasswords = { created: created.length, revoked: 1, file: APP_PASSWORDS_FILE };
  await run.close();

  // Browser 2: managed domain, wrong password, returning user with a code.
  run.phase = 'managed domain';
  const b2 = await run.openBrowser('browser-2');
  page = b2.page;
  await openStartPage(run, page, 'msonline-signin-fresh-browser');
  await submitEmail(page, MANAGED_USER);
  await waitFor(page, '#managed', 'the managed-domain page');
  expect(new URL(page.url()).origin === startOrigin(run), `a managed-domain user left the simulated Microsoft Online: ${page.url()}`);
  await run.screenshot(page, 'msonline-managed-domain');
  run.result.managed = { user: MANAGED_USER, text: await text(page, '#managed') };
  run.checkClean();

  run.phase = 'wrong password';
  await homeRealm(run, page, BOB, { startShot: 'msonline-signin-bob', passwordShot: 'fedgate-password-bob' });
  const bobError = await signInError(run, page, BOB, WRONG_PASSWORD, 'fedgate-wrong-password');
  const unknownError = await signInError(run, page, UNKNOWN_USER, WRONG_PASSWORD, 'fedgate-unknown-user');
  expect(unknownError === bobError,
    `an unknown user gets ${JSON.stringify(unknownError)} but a wrong password ${JSON.stringify(bobError)}: accounts can be enumerated`);
  run.result.wrongPassword = { user: BOB, error: bobError };
  run.result.unknownUser = { user: UNKNOWN_USER, error: unknownError };
  run.checkClean();

  run.phase = 'returning user';
  await homeRealm(run, page, ALICE.upn, { startShot: 'msonline-signin-alice-returning', passwordShot: 'fedgate-password-alice-returning' });
  await submitPassword(page, ALICE_PASSWORD);
  await codePage(run, page, key, totp.step, 'fedgate-mfa-code');
  const returningPost = await viaAutoPost(run, page, 'fedgate-autopost-returning', () => page.click('#verifyButton'));
  const returning = await expectSignedIn(run, page, 'msonline-signed-in-returning', ALICE);
  run.checkClean();
  run.result.returningSignIn = { ...returning, codePageShown: true, autoPost: returningPost };
  await run.close();
}

runMain({ name: 'browser.js', timeoutMs: RUN_TIMEOUT_MS, walk });
