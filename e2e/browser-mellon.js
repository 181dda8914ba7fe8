'use strict';
// browser-mellon.js: SAML 2.0 sign-in and single logout between a real
// Apache mod_auth_mellon service provider and `fedgate demo`, in headless
// Chromium. mellon_test.go starts both and runs this script; by hand:
//
//   node browser-mellon.js https://127.0.0.1:SP https://127.0.0.1:FG out/
//
// Arguments: the mellon site's origin, fedgate's origin and a directory for
// screenshots (earlier mellon-NN-*.png files in it are removed first).
//
// Walk (one fresh browser profile):
//   sign-in      SP /protected/ → mellon's signed HTTP-Redirect AuthnRequest
//                → fedgate's sign-in page → alice's password → TOTP
//                enrollment → token page auto-POSTs the Response to mellon's
//                /mellon/postResponse → /protected/ shows MELLON_NAME_ID and
//                the mapped attributes (an SSI page, see mellon/)
//   logout       SP /mellon/logout?ReturnTo=/loggedout.html → mellon's
//                LogoutRequest (HTTP-Redirect) to fedgate's
//                SingleLogoutService → fedgate's sign-out chain →
//                LogoutResponse (HTTP-Redirect) to mellon's /mellon/logout →
//                /loggedout.html
//   after logout SP /protected/ again → fedgate's password page: the
//                fedgate session is gone too, nothing signs alice in silently
//
// Every main-frame request (redirect hops included) is recorded; the SAML
// messages on them and the posted Response are decoded (element,
// Destination, InResponseTo, StatusCode, whether signed) into the summary.
// CSP violations and uncaught page errors fail the walk.
//
// The harness, the page steps and the output are browserlib.js's: a JSON
// summary on stdout, progress on stderr; exit status 0 = every expectation
// held, 1 = one failed, 2 = usage or setup error. The TOTP seed and codes
// are never printed; the password is the published demo account's.

const {
  ExpectationError, expect, waitFor, text, submitPassword, enroll, autoPost, samlMessage, samlPostMessage, checkedURL,
  runMain,
} = require('./browserlib');

const ALICE = 'alice@contoso.com';
const ALICE_PASSWORD = 'Alice-Passw0rd!';
const RUN_TIMEOUT_MS = 120000;
const PROTECTED = '/protected/';
const LOGGED_OUT = '/loggedout.html';

// shown reads what the SSI page under /protected/ printed from mellon's
// environment.
async function shown(page) {
  const fields = {};
  for (const [key, sel] of Object.entries({
    nameID: '#name-id', idp: '#idp', upn: '#upn', email: '#email', mfa: '#mfa',
  })) fields[key] = await text(page, sel);
  return fields;
}

// samlOn returns the decoded SAML messages carried by navigations to
// origin + pathname.
function samlOn(navigations, origin, pathname) {
  return navigations.filter((raw) => {
    const u = new URL(raw);
    return u.origin === origin && u.pathname === pathname;
  }).map(samlMessage).filter((m) => m !== null);
}

async function walk(run, { spOrigin, fedgateOrigin }) {
  run.phase = 'sign-in';
  const { page, session } = await run.openBrowser('mellon');
  await page.goto(spOrigin + PROTECTED, { waitUntil: 'load' });
  await waitFor(page, '#loginForm', "fedgate's sign-in page (mellon should have sent the browser there)");
  const signIn = new URL(page.url());
  expect(signIn.origin === fedgateOrigin && signIn.pathname === '/adfs/ls/',
    `mellon sent the browser to ${signIn.origin}${signIn.pathname}, want ${fedgateOrigin}/adfs/ls/`);
  const authnRequests = samlOn(session.requests, fedgateOrigin, '/adfs/ls/');
  expect(authnRequests.length === 1 && authnRequests[0].element === 'AuthnRequest',
    `want one AuthnRequest sent to fedgate, saw ${JSON.stringify(authnRequests)}`);
  const authnRequest = authnRequests[0];
  await run.screenshot(page, 'fedgate-password');
  await page.fill('#userNameInput', ALICE);
  await submitPassword(page, ALICE_PASSWORD);
  const { key } = await enroll(run, page);
  const { report, form } = await autoPost(run, page, {
    shotName: 'fedgate-autopost', wantAction: `${spOrigin}/mellon/postResponse`,
    doneSelector: '#signed-in', action: () => page.click('#verifyButton'),
  });
  const response = { ...report, saml: samlPostMessage('SAMLResponse', form.get('SAMLResponse')) };
  await waitFor(page, '#signed-in', 'the mellon-protected page after the auto-POST');
  expect(new URL(page.url()).origin === spOrigin && new URL(page.url()).pathname === PROTECTED,
    `after the auto-POST the browser is at ${page.url()}, want ${spOrigin}${PROTECTED}`);
  await run.screenshot(page, 'mellon-protected');
  run.checkClean();
  run.result.signIn = {
    authnRequest, autoPost: response, mfa: { seedBytes: key.length }, shown: await shown(page), url: page.url(),
  };

  run.phase = 'single logout';
  const before = session.requests.length;
  const returnTo = spOrigin + LOGGED_OUT;
  await page.goto(`${spOrigin}/mellon/logout?ReturnTo=${encodeURIComponent(returnTo)}`, { waitUntil: 'load' });
  await waitFor(page, '#logged-out', `the ReturnTo page ${LOGGED_OUT} after single logout`);
  expect(page.url() === returnTo, `single logout ended at ${page.url()}, want ${returnTo}`);
  await run.screenshot(page, 'mellon-logged-out');
  run.checkClean();
  const navs = session.requests.slice(before);
  run.result.logout = {
    hops: navs.map((u) => new URL(u).origin + new URL(u).pathname), // queries hold the messages, decoded below
    toFedgate: samlOn(navs, fedgateOrigin, '/adfs/ls/'),
    toMellon: samlOn(navs, spOrigin, '/mellon/logout'),
    url: page.url(),
  };

  run.phase = 'after logout';
  await page.goto(spOrigin + PROTECTED, { waitUntil: 'load' });
  await page.locator('#loginForm, #signed-in, #autopost').first().waitFor({ state: 'visible' }).catch(() => {});
  if (await page.locator('#signed-in, #autopost').count() > 0) {
    await run.screenshot(page, 'signed-in-again');
    throw new ExpectationError(`after single logout ${spOrigin}${PROTECTED} signed alice in again without a password (at ${page.url()})`);
  }
  await waitFor(page, '#loginForm', "fedgate's password page after single logout");
  expect(new URL(page.url()).origin === fedgateOrigin, `the password page is at ${page.url()}, not on fedgate`);
  expect(await page.inputValue('#passwordInput') === '', 'the password field is filled after single logout');
  await run.screenshot(page, 'fedgate-password-after-logout');
  run.checkClean();
  run.result.afterLogout = { passwordPage: true, url: new URL(page.url()).origin + new URL(page.url()).pathname };
}

runMain({
  name: 'browser-mellon.js',
  usageLine: '<mellon-origin> <fedgate-origin> <out-dir>',
  shotPrefix: 'mellon-',
  timeoutMs: RUN_TIMEOUT_MS,
  parseArgs: (argv, usage) => {
    if (argv.length !== 3) usage(`want 3 arguments, got ${argv.length}`);
    const [sp, fedgate, outDir] = argv;
    const spOrigin = checkedURL(usage, 'mellon origin', sp, ['https:']).origin;
    const fedgateOrigin = checkedURL(usage, 'fedgate origin', fedgate, ['https:']).origin;
    if (spOrigin === fedgateOrigin) usage('the two origins must differ');
    return { spOrigin, fedgateOrigin, outDir };
  },
  walk,
});
