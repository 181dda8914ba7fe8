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
//     code page (single sign-on)
//   browser 2 (fresh profile)
//     someone@fabrikam.com → managed-domain page;
//     bob@contoso.com with a wrong password → the generic #error, and an
//     unknown user gets the very same text (no account enumeration);
//     alice again → password → code page (already enrolled) → signed in
//
// Every console error, uncaught page error and Content-Security-Policy
// violation (from the console and from `securitypolicyviolation` events) is
// recorded; a CSP violation or an uncaught page error fails the run.
//
// Output: one JSON summary on stdout (nothing else goes there). Progress and
// failure messages go to stderr. Exit status 0 = every expectation held,
// 1 = an expectation failed (the summary has "error", the URL and a
// screenshot of the failing page), 2 = usage or setup error.
//
// Secrets: the TOTP seed and codes are never printed; the summary only says
// how long the seed was. The demo passwords below are the published demo
// accounts (ldaptest.Contoso), not secrets.
//
// As a module (require('./browser')), it lends its run harness and page
// steps to other walks against the demo (browser-samba.js): runScript
// parses the same two arguments, runs a walk and prints the summary; the
// walk here runs only when the file is executed directly.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  // The demo's TLS certificates come from a throwaway CA in its data directory.
  '--ignore-certificate-errors',
];

const STEP_TIMEOUT_MS = 15000; // any one wait: page load, element, click
const RUN_TIMEOUT_MS = 150000; // hard stop for the whole walk
const MAX_URL_LENGTH = 2048;
const MAX_RECORDED = 100; // per list of console errors, page errors, CSP violations

const ALICE = 'alice@contoso.com';
const ALICE_PASSWORD = 'Alice-Passw0rd!';
const ALICE_IMMUTABLE_ID = 'RW+aKiwLHUqeP11se4qfAQ=='; // o365-reference section 4
const BOB = 'bob@contoso.com';
const WRONG_PASSWORD = 'Not-Bobs-Passw0rd!';
const UNKNOWN_USER = 'nobody@contoso.com';
const MANAGED_USER = 'someone@fabrikam.com';
const MFA_TEXT = 'MFA done by the federated IdP';
const GENERIC_ERROR_PREFIX = 'Incorrect user ID or password';
const APP_PASSWORD_KEPT = 'Outlook 2010';
const APP_PASSWORD_REVOKED = 'Old phone';
const APP_PASSWORDS_FILE = 'app-passwords.json'; // read by browser_test.go

// TOTP (RFC 6238): see totp.js.
const { base32Decode, hotp, totpStep, selfTestTOTP } = require('./totp');

// ---------------------------------------------------------------- run state

class ExpectationError extends Error {}

function expect(cond, message) {
  if (!cond) throw new ExpectationError(message);
}

const ABOUT_BLANK = 'about:blank';

class Run {
  // shotPrefix (default none) starts every screenshot's file name, so walks
  // sharing an output directory keep their own numbering; name (default
  // browser.js) labels progress lines.
  constructor(startURL, outDir, { shotPrefix = '', name = 'browser.js' } = {}) {
    this.startURL = startURL;
    this.startOrigin = new URL(startURL).origin;
    this.outDir = outDir;
    this.shotPrefix = shotPrefix;
    this.name = name;
    this.shots = 0;
    this.pages = [];
    this.consoleErrors = [];
    this.pageErrors = [];
    this.cspViolations = [];
    this.dropped = 0; // records beyond MAX_RECORDED, counted only
    // trouble settles at the first CSP violation or uncaught page error, so
    // waits for the next page can stop early instead of timing out.
    this.trouble = new Promise((resolve) => { this.troubleSeen = resolve; });
    this.sessions = [];
    this.page = null; // the page currently driven, for failure screenshots
    this.phase = 'setup';
    this.result = {};
  }

  // screenshot saves a full-page PNG named <shotPrefix>NN-name.png and
  // records the page.
  async screenshot(page, name) {
    const file = `${this.shotPrefix}${String(++this.shots).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: path.join(this.outDir, file), fullPage: true, timeout: STEP_TIMEOUT_MS });
    this.pages.push({ n: this.shots, name, phase: this.phase, url: page.url(), screenshot: file });
    progress(this.name, `${file}  ${page.url()}`);
    return file;
  }

  // openBrowser launches Chromium with a fresh profile and wires the
  // console, page-error and CSP recorders to its page.
  async openBrowser(label) {
    const { chromium } = require('playwright-core');
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fedgate-e2e-chromium-'));
    const session = { label, userDataDir, ctx: null };
    this.sessions.push(session);
    session.ctx = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
      viewport: { width: 1024, height: 768 },
    });
    session.ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
    session.ctx.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    // Bindings and init scripts are injected over CDP, so the pages' own CSP
    // (script-src 'self') does not block them and they do not weaken it.
    await session.ctx.exposeBinding('__fedgateCSPViolation', (source, v) => {
      this.record(this.cspViolations, { source: 'event', browser: label, page: source.frame.url(), ...v });
    });
    await session.ctx.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        // eslint-disable-next-line no-undef
        window.__fedgateCSPViolation({
          directive: e.effectiveDirective, blockedURI: e.blockedURI,
          documentURI: e.documentURI, disposition: e.disposition, sample: e.sample,
        });
      });
    });
    const page = session.ctx.pages()[0] || await session.ctx.newPage();
    page.on('console', (msg) => {
      if (msg.type() !== 'error' && !/Content.Security.Policy/i.test(msg.text())) return;
      const entry = { browser: label, phase: this.phase, type: msg.type(), text: msg.text(), url: msg.location().url || page.url() };
      this.record(this.consoleErrors, entry);
      if (/Content.Security.Policy/i.test(msg.text())) this.record(this.cspViolations, { source: 'console', ...entry });
    });
    page.on('pageerror', (err) => {
      this.record(this.pageErrors, { browser: label, phase: this.phase, url: page.url(), message: err.message });
    });
    session.navigations = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame() && frame.url() !== ABOUT_BLANK) session.navigations.push(frame.url());
    });
    this.page = page;
    return { page, session };
  }

  // record appends entry to list, keeping at most MAX_RECORDED entries so a
  // page that floods its console cannot flood the summary.
  record(list, entry) {
    if (list.length < MAX_RECORDED) list.push(entry);
    else this.dropped++;
    if (list === this.cspViolations || list === this.pageErrors) this.troubleSeen();
  }

  // checkClean fails the run as soon as a CSP violation or an uncaught page
  // error has been seen, naming the phase it happened in.
  checkClean() {
    expect(this.cspViolations.length === 0,
      `Content-Security-Policy violation during ${this.phase}: ${JSON.stringify(this.cspViolations[0])}`);
    expect(this.pageErrors.length === 0,
      `uncaught script error during ${this.phase}: ${JSON.stringify(this.pageErrors[0])}`);
  }

  async close() {
    for (const s of this.sessions) {
      if (s.ctx) await s.ctx.close().catch(() => {});
      fs.rmSync(s.userDataDir, { recursive: true, force: true });
    }
    this.sessions = [];
  }

  summary(extra) {
    return {
      startURL: this.startURL,
      ...extra,
      result: this.result,
      pages: this.pages,
      consoleErrors: this.consoleErrors,
      pageErrors: this.pageErrors,
      cspViolations: this.cspViolations,
      droppedRecords: this.dropped,
    };
  }
}

function progress(name, msg) {
  process.stderr.write(`[${name}] ${msg}\n`);
}

// ---------------------------------------------------------------- page helpers

// waitFor waits until selector is visible and fails with what was expected.
async function waitFor(page, selector, what) {
  try {
    await page.locator(selector).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch (err) {
    throw new ExpectationError(`expected ${what} (${selector}) but it did not appear within ${STEP_TIMEOUT_MS} ms; ` +
      `the page shows ${await describe(page)}`);
  }
}

// describe names the page shown, for failure messages: its heading and any
// error text, without the page's form values.
async function describe(page) {
  const grab = async (sel) => {
    const loc = page.locator(sel).first();
    return (await loc.count().catch(() => 0)) > 0 ? ((await loc.textContent().catch(() => '')) || '').trim().slice(0, 200) : '';
  };
  const parts = [`h1 ${JSON.stringify(await grab('h1'))}`];
  for (const sel of ['#error', '#reason']) {
    const t = await grab(sel);
    if (t) parts.push(`${sel} ${JSON.stringify(t)}`);
  }
  return parts.join(', ');
}

async function text(page, selector) {
  return ((await page.locator(selector).first().textContent()) || '').trim();
}

// openStartPage loads the simulated Microsoft Online sign-in page.
async function openStartPage(run, page, shotName) {
  await page.goto(run.startURL, { waitUntil: 'load' });
  await waitFor(page, '#signin-form #email', 'the simulated Microsoft Online sign-in page');
  await run.screenshot(page, shotName);
}

// submitEmail types the address on the start page and presses Next.
async function submitEmail(page, email) {
  await page.fill('#email', email);
  await page.click('#next');
}

// viaAutoPost runs action, which must lead to fedgate's token page, and
// lets autopost.js submit the token by itself: nothing here clicks Continue.
// The script's download is held until the token page has been checked and
// screenshotted (once it runs, the page is gone). It returns what the page
// showed and what reached /login.srf.
async function viaAutoPost(run, page, shotName, action) {
  let failure = null;
  let shown = null;
  let posted = null;
  const isScript = (u) => u.pathname === '/adfs/portal/js/autopost.js';
  const holdScript = async (route) => {
    try {
      const form = await page.$eval('form#autopost', (f) => ({
        action: f.action, method: f.method,
        fields: [...new Set([...f.elements].filter((e) => e.name).map((e) => e.name))].sort(),
      })).catch(() => null);
      expect(form !== null, `autopost.js was loaded by a page without form#autopost: ${page.url()}`);
      shown = { url: page.url(), ...form };
      await run.screenshot(page, shotName);
    } catch (err) {
      failure = failure || err;
    }
    await route.continue().catch(() => {});
  };
  const onRequest = (req) => {
    const u = new URL(req.url());
    if (req.frame() !== page.mainFrame() || u.origin !== run.startOrigin || u.pathname !== '/login.srf') return;
    const fields = new URLSearchParams(req.postData() || '');
    posted = {
      method: req.method(), to: req.url(), fields: [...new Set(fields.keys())].sort(),
      wa: fields.get('wa'), rstr: (fields.get('wresult') || '').includes('RequestSecurityTokenResponse'),
    };
  };
  await page.route(isScript, holdScript);
  page.on('request', onRequest);
  try {
    await action();
    await Promise.race([
      page.locator('#signed-in, #rejected').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS }),
      run.trouble,
    ]).catch(() => {});
  } finally {
    page.off('request', onRequest);
    await page.unroute(isScript, holdScript);
  }
  if (failure) throw failure;
  run.checkClean(); // a script error or CSP block explains a missing POST best
  expect(shown !== null, `fedgate's token page (form#autopost with autopost.js) never appeared; the page shows ${await describe(page)}`);
  expect(new URL(shown.action).origin === run.startOrigin && new URL(shown.action).pathname === '/login.srf',
    `the token form posts to ${shown.action}, want ${run.startOrigin}/login.srf`);
  expect(posted !== null, 'fedgate\'s token page never auto-POSTed to /login.srf (autopost.js did not submit it)');
  expect(posted.method === 'POST', `the token reached /login.srf with ${posted.method}, want POST`);
  expect(posted.wa === 'wsignin1.0', `auto-POST field wa=${posted.wa}, want wsignin1.0`);
  expect(posted.rstr, 'the auto-POST has no wresult holding a RequestSecurityTokenResponse');
  return { page: shown.url, action: shown.action, fields: posted.fields };
}

// expectSignedIn checks the simulated Microsoft Online accepted the token
// of want.upn (default alice) with MFA and want.immutableID, screenshots
// the page and returns what it shows.
async function expectSignedIn(run, page, shotName, want = { upn: ALICE, immutableID: ALICE_IMMUTABLE_ID }) {
  if (await page.locator('#rejected').count() > 0) {
    throw new ExpectationError(`simulated Microsoft Online rejected the token: ${await text(page, '#reason')}`);
  }
  await waitFor(page, '#signed-in', 'the signed-in page');
  await run.screenshot(page, shotName);
  const shown = {
    upn: await text(page, '#upn'),
    mfa: await text(page, '#mfa'),
    immutableID: await text(page, '#immutable-id'),
    issuer: await text(page, '#issuer'),
    url: page.url(),
  };
  expect(shown.upn === want.upn, `signed in as ${JSON.stringify(shown.upn)}, want ${want.upn}`);
  expect(shown.mfa === MFA_TEXT, `#mfa says ${JSON.stringify(shown.mfa)}, want ${JSON.stringify(MFA_TEXT)}`);
  expect(shown.immutableID === want.immutableID, `ImmutableID ${JSON.stringify(shown.immutableID)}, want ${want.immutableID}`);
  expect(shown.issuer !== '', 'the signed-in page shows no issuer');
  return shown;
}

// passwordPage waits for fedgate's sign-in form and checks the user name
// the simulated Microsoft Online passed along (username hint).
async function passwordPage(run, page, user, shotName) {
  await waitFor(page, '#loginForm', `fedgate's sign-in page for ${user}`);
  expect(new URL(page.url()).origin !== run.startOrigin, `the sign-in form is on the simulated Microsoft Online origin: ${page.url()}`);
  const prefilled = await page.inputValue('#userNameInput');
  expect(prefilled === user, `user name pre-filled as ${JSON.stringify(prefilled)}, want ${user}`);
  await run.screenshot(page, shotName);
}

// signInError submits user/password on fedgate's sign-in form and returns
// the error shown; the password must not come back in the page.
async function signInError(run, page, user, password, shotName) {
  await page.fill('#userNameInput', user);
  await page.fill('#passwordInput', password);
  // The error page re-renders the same form at the same URL: wait for the
  // new document, or the previous page's #error would satisfy the wait.
  await Promise.all([
    page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
    page.click('#submitButton'),
  ]);
  await page.waitForLoadState('load');
  await waitFor(page, '#error', `the sign-in error for ${user}`);
  await run.screenshot(page, shotName);
  const msg = await text(page, '#error');
  expect(msg.startsWith(GENERIC_ERROR_PREFIX), `error for ${user} is ${JSON.stringify(msg)}, want it to start with ${JSON.stringify(GENERIC_ERROR_PREFIX)}`);
  expect(await page.inputValue('#passwordInput') === '', 'the password field is filled again after a failed sign-in');
  expect(!(await page.content()).includes(password), 'the rejected password is echoed in the page');
  return msg;
}

// codeFor returns the TOTP code for the current step, or for the next one
// when the current step was already used (fedgate refuses a step twice; a
// person would wait for the next code, the one-step skew accepts it now).
function codeFor(key, lastStep) {
  const step = Math.max(totpStep(Date.now()), lastStep + 1);
  return { code: hotp(key, step), step };
}

// enroll completes fedgate's authenticator enrollment page (which must be
// showing or about to show): it checks the QR code and the otpauth:// URI,
// screenshots the page as enroll-qr, decodes the seed and types the current
// code without submitting it. It returns the seed, the code's TOTP step and
// the QR code's size; the seed is never printed.
async function enroll(run, page) {
  await waitFor(page, '#enrollForm', 'the authenticator enrollment page');
  await waitFor(page, '#qr', 'the enrollment QR code');
  const qr = await page.$eval('#qr', (img) => ({
    src: img.getAttribute('src') || '', loaded: img.complete && img.naturalWidth > 0, w: img.naturalWidth, h: img.naturalHeight,
  }));
  expect(qr.src.startsWith('data:image/png;base64,'), 'the QR code is not an inline PNG');
  expect(qr.loaded, 'the QR code image did not load (blocked by CSP or broken)');
  await run.screenshot(page, 'enroll-qr');
  const secret = (await text(page, '#secret')).replace(/\s/g, '');
  let key;
  try {
    key = base32Decode(secret);
  } catch (err) {
    throw new ExpectationError(`#secret is not a base32 TOTP seed: ${err.message}`);
  }
  expect(key.length >= 16, `TOTP seed is ${key.length} bytes; RFC 4226 wants at least 16`);
  const uri = await text(page, '#otpauth-uri');
  expect(uri.startsWith('otpauth://totp/') && new URL(uri).searchParams.get('secret') === secret,
    'the otpauth:// URI does not carry the seed shown in #secret');
  const totp = codeFor(key, -1);
  await page.fill('#codeInput', totp.code);
  return { key, totp, qr: { width: qr.w, height: qr.h } };
}

// ---------------------------------------------------------------- the walk

async function walk(run) {
  // Browser 1: first sign-in with enrollment, then single sign-on.
  run.phase = 'first sign-in';
  const b1 = await run.openBrowser('browser-1');
  let page = b1.page;
  await openStartPage(run, page, 'msonline-signin');
  await submitEmail(page, ALICE);
  await passwordPage(run, page, ALICE, 'fedgate-password');
  const fedgateOrigin = new URL(page.url()).origin;
  const hrd = new URL(page.url());
  expect(hrd.pathname === '/adfs/ls/' && hrd.searchParams.get('wa') === 'wsignin1.0' &&
    hrd.searchParams.get('wtrealm') === 'urn:federation:MicrosoftOnline',
  `home-realm discovery sent the browser to ${page.url()}, want /adfs/ls/?wa=wsignin1.0&wtrealm=urn:federation:MicrosoftOnline`);
  await page.fill('#passwordInput', ALICE_PASSWORD);
  await page.click('#submitButton');
  const enrolled = await enroll(run, page);
  const { key } = enrolled;
  let { totp } = enrolled;
  const firstPost = await viaAutoPost(run, page, 'fedgate-autopost', () => page.click('#verifyButton'));
  const first = await expectSignedIn(run, page, 'msonline-signed-in');
  run.checkClean();
  run.result.firstSignIn = { ...first, enrolled: true, seedBytes: key.length, qr: enrolled.qr, autoPost: firstPost };

  run.phase = 'single sign-on';
  await openStartPage(run, page, 'msonline-signin-again');
  const before = b1.session.navigations.length;
  const ssoPost = await viaAutoPost(run, page, 'fedgate-autopost-sso', () => submitEmail(page, ALICE));
  const sso = await expectSignedIn(run, page, 'msonline-signed-in-sso');
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
  expect((await text(page, '#portal-user')) === ALICE, 'the security page is not for alice');
  await waitFor(page, '#replaceForm', 'the replace-authenticator form');
  await run.screenshot(page, 'fedgate-security');
  const created = [];
  for (const name of [APP_PASSWORD_KEPT, APP_PASSWORD_REVOKED]) {
    await page.fill('#nameInput', name);
    await page.click('#createButton');
    await waitFor(page, '#app-password', `the new app password "${name}"`);
    const pw = (await text(page, '#app-password')).trim();
    expect(/^[23456789a-hjkmnp-z]{4}(-[23456789a-hjkmnp-z]{4}){5}$/.test(pw), 'the app password does not have the documented format');
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
  expect(new URL(page.url()).origin === run.startOrigin, `a managed-domain user left the simulated Microsoft Online: ${page.url()}`);
  await run.screenshot(page, 'msonline-managed-domain');
  run.result.managed = { user: MANAGED_USER, text: await text(page, '#managed') };
  run.checkClean();

  run.phase = 'wrong password';
  await openStartPage(run, page, 'msonline-signin-bob');
  await submitEmail(page, BOB);
  await passwordPage(run, page, BOB, 'fedgate-password-bob');
  const bobError = await signInError(run, page, BOB, WRONG_PASSWORD, 'fedgate-wrong-password');
  const unknownError = await signInError(run, page, UNKNOWN_USER, WRONG_PASSWORD, 'fedgate-unknown-user');
  expect(unknownError === bobError,
    `an unknown user gets ${JSON.stringify(unknownError)} but a wrong password ${JSON.stringify(bobError)}: accounts can be enumerated`);
  run.result.wrongPassword = { user: BOB, error: bobError };
  run.result.unknownUser = { user: UNKNOWN_USER, error: unknownError };
  run.checkClean();

  run.phase = 'returning user';
  await openStartPage(run, page, 'msonline-signin-alice-returning');
  await submitEmail(page, ALICE);
  await passwordPage(run, page, ALICE, 'fedgate-password-alice-returning');
  await page.fill('#passwordInput', ALICE_PASSWORD);
  await page.click('#submitButton');
  await waitFor(page, '#mfaForm', 'the authenticator code page (alice is enrolled)');
  expect(await page.locator('#enrollForm, #secret, #qr').count() === 0, 'an enrolled user is shown the enrollment QR code again');
  await run.screenshot(page, 'fedgate-mfa-code');
  totp = codeFor(key, totp.step);
  await page.fill('#codeInput', totp.code);
  const returningPost = await viaAutoPost(run, page, 'fedgate-autopost-returning', () => page.click('#verifyButton'));
  const returning = await expectSignedIn(run, page, 'msonline-signed-in-returning');
  run.checkClean();
  run.result.returningSignIn = { ...returning, codePageShown: true, autoPost: returningPost };
  await run.close();
}

// ---------------------------------------------------------------- main

function usage(name, msg) {
  process.stderr.write(`${name}: ${msg}\nusage: node ${name} <start-url> <out-dir>\n`);
  process.exit(2);
}

function parseArgs(name, argv) {
  if (argv.length !== 2) usage(name, `want 2 arguments, got ${argv.length}`);
  const [start, outDir] = argv;
  if (start.length > MAX_URL_LENGTH) usage(name, `start URL is longer than ${MAX_URL_LENGTH} characters`);
  let u;
  try {
    u = new URL(start);
  } catch (err) {
    usage(name, `start URL ${JSON.stringify(start)} does not parse: ${err.message}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') usage(name, `start URL scheme ${u.protocol} is not http(s)`);
  if (!outDir) usage(name, 'the output directory is empty');
  return { startURL: u.href, outDir: path.resolve(outDir) };
}

// prepareOutDir creates dir and removes screenshots of an earlier run (only
// files named like ours: the prefix, two digits, a dash, [A-Za-z0-9-], .png).
function prepareOutDir(dir, shotPrefix) {
  fs.mkdirSync(dir, { recursive: true });
  const ours = new RegExp(`^${shotPrefix}\\d{2}-[A-Za-z0-9-]+\\.png$`);
  for (const f of fs.readdirSync(dir)) {
    if (ours.test(f)) fs.rmSync(path.join(dir, f), { force: true });
  }
}

// runScript is a walk script's main: it takes <start-url> <out-dir> from
// the command line, prepares the output directory (screenshots named
// <shotPrefix>NN-*.png; the prefix is lower-case letters and dashes), runs
// walk(run) under the RUN_TIMEOUT_MS watchdog and prints the JSON summary.
// It resolves to the exit status: 0 every expectation held, 1 one failed
// (the summary has the phase, error, URL and a screenshot); setup and
// usage errors exit 2 at once. name is the script's file name in messages.
async function runScript({ name, walk: walkFn, shotPrefix = '' }) {
  if (!/^[a-z-]*$/.test(shotPrefix)) throw new Error(`shot prefix ${JSON.stringify(shotPrefix)} is not [a-z-]*`);
  const { startURL, outDir } = parseArgs(name, process.argv.slice(2));
  try {
    selfTestTOTP();
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
    require.resolve('playwright-core');
    prepareOutDir(outDir, shotPrefix);
  } catch (err) {
    process.stderr.write(`${name}: setup: ${err.message}\n`);
    process.exit(2);
  }

  const run = new Run(startURL, outDir, { shotPrefix, name });
  const watchdog = setTimeout(() => {
    process.stdout.write(JSON.stringify(run.summary({ ok: false, error: `run exceeded ${RUN_TIMEOUT_MS} ms during ${run.phase}` }), null, 2) + '\n');
    process.stderr.write(`${name}: FAIL: run exceeded ${RUN_TIMEOUT_MS} ms during ${run.phase}\n`);
    process.exit(1);
  }, RUN_TIMEOUT_MS);
  watchdog.unref();

  try {
    await walkFn(run);
    run.checkClean();
    process.stdout.write(JSON.stringify(run.summary({ ok: true }), null, 2) + '\n');
    return 0;
  } catch (err) {
    const failure = { ok: false, phase: run.phase, error: err.message, expectation: err instanceof ExpectationError };
    if (run.page && !run.page.isClosed()) {
      failure.url = run.page.url();
      const shot = `FAILED-${run.phase.replace(/[^A-Za-z0-9]+/g, '-')}`;
      failure.screenshot = await run.screenshot(run.page, shot).catch((e) => `screenshot failed: ${e.message}`);
    }
    process.stdout.write(JSON.stringify(run.summary(failure), null, 2) + '\n');
    process.stderr.write(`${name}: FAIL during ${run.phase}: ${err.message}\n` +
      (failure.url ? `  at ${failure.url}\n  screenshot ${path.join(outDir, String(failure.screenshot))}\n` : '') +
      (err instanceof ExpectationError ? '' : `${err.stack}\n`));
    return 1;
  } finally {
    clearTimeout(watchdog);
    await run.close();
  }
}

// exitWith runs a walk script's main and exits with its status.
function exitWith(name, promise) {
  promise.then((code) => process.exit(code), (err) => {
    process.stderr.write(`${name}: ${err.stack || err}\n`);
    process.exit(1);
  });
}

module.exports = {
  runScript, exitWith, ExpectationError, expect, waitFor, describe, text, openStartPage, submitEmail,
  viaAutoPost, expectSignedIn, passwordPage, signInError, enroll, codeFor, MFA_TEXT, GENERIC_ERROR_PREFIX,
};

if (require.main === module) exitWith('browser.js', runScript({ name: 'browser.js', walk }));
