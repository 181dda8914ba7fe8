'use strict';
// browserlib.js: the one library of fedgate's headless-Chromium walks
// (test-recipes.md, recipe 7). A walk script (browser.js, browser-proxy.js,
// browser-samba.js, browser-mellon.js) holds only its scenario and calls
// runMain; everything below is shared.
//
// Harness
//   runMain      argument check, setup (TOTP self-test, Chromium and
//                playwright-core present, old screenshots removed), a
//                watchdog, the JSON summary on stdout and the exit status:
//                0 = every expectation held, 1 = one failed (the summary
//                has the phase, error, URL and a screenshot of the failing
//                page), 2 = usage or setup error
//   Run          one walk: fresh-profile browsers, numbered full-page
//                screenshots <shotPrefix>NN-<name>.png, recorders of
//                console errors, uncaught page errors and CSP violations
//                (console and `securitypolicyviolation` events), of every
//                main-frame navigation and navigation request; a CSP
//                violation or an uncaught page error fails the walk
//                (checkClean), as does any list a walk adds with failOn
//
// Page steps (a waitFor that times out says what the page showed instead)
//   simulated Microsoft Online   openStartPage, submitEmail, homeRealm
//                                (start page → e-mail → fedgate's password
//                                page), signedInPage, expectSignedIn
//   fedgate                      passwordPage, submitPassword, signInError,
//                                enroll (TOTP seed read from the page,
//                                code from totp.js), codePage
//   token auto-POST              autoPost (fedgate's form#autopost checked
//                                and screenshotted before autopost.js
//                                submits it), viaAutoPost (the WS-Fed token
//                                to Microsoft Online), watchPost, wsfedFacts
//   SAML messages                samlMessage (HTTP-Redirect), samlPostMessage
//                                (HTTP-POST), both bounded
//
// Secrets: the TOTP seed and codes, the posted forms and the passwords a
// walk types never reach a summary or a progress line; summaries carry
// only the seed's length. Run.args is printed in the summary, so a walk must not
// put secrets there (browser-samba.js reads its accounts from the
// environment instead).

const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { base32Decode, hotp, totpStep, selfTestTOTP } = require('./totp');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  // The demo's, the proxy's and the SPs' TLS certificates are throwaway ones.
  '--ignore-certificate-errors',
];

const STEP_TIMEOUT_MS = 15000; // any one wait: page load, element, click
const MAX_URL_LENGTH = 2048; // command-line URLs
const MAX_RECORDED = 100; // per list of console errors, page errors, CSP violations, …
const MAX_NAVIGATIONS = 500; // main-frame URLs kept per browser
const MAX_SAML_MESSAGE = 64 << 10; // decoded SAML message read by samlMessage, samlPostMessage
const ABOUT_BLANK = 'about:blank';
const SHOT_PREFIX = /^[a-z-]*$/;

// Texts and paths of the pages under test.
const MFA_TEXT = 'MFA done by the federated IdP'; // simulated Microsoft Online, #mfa
const GENERIC_ERROR_PREFIX = 'Incorrect user ID or password'; // fedgate's one sign-in error
const AUTOPOST_SCRIPT = '/adfs/portal/js/autopost.js';

class ExpectationError extends Error {}

function expect(cond, message) {
  if (!cond) throw new ExpectationError(message);
}

// ---------------------------------------------------------------- run state

class Run {
  // name labels messages; every screenshot's file name starts with
  // shotPrefix ("mellon-" → mellon-01-name.png) so walks can share outDir;
  // args is the parsed command line, printed at the top of the summary
  // (without outDir).
  constructor({ name, shotPrefix = '', outDir, args = {} }) {
    this.name = name;
    this.shotPrefix = shotPrefix;
    this.outDir = outDir;
    this.args = args;
    this.shots = 0;
    this.pages = [];
    // records are the summary's lists; failing names those that fail the
    // walk, with what an entry is, in the order checkClean reports them.
    this.records = { consoleErrors: [], pageErrors: [], cspViolations: [] };
    this.failing = new Map([['cspViolations', 'Content-Security-Policy violation'], ['pageErrors', 'uncaught script error']]);
    this.dropped = 0; // records beyond MAX_RECORDED, counted only
    // trouble settles at the first failing record, so waits for the next
    // page can stop early instead of timing out.
    this.trouble = new Promise((resolve) => { this.troubleSeen = resolve; });
    this.sessions = [];
    this.page = null; // the page currently driven, for failure screenshots
    this.phase = 'setup';
    this.result = {};
  }

  progress(msg) {
    process.stderr.write(`[${this.name}] ${msg}\n`);
  }

  // failOn adds the summary list key (what describes one entry): recording
  // into it fails the walk at the next checkClean, like a CSP violation.
  failOn(key, what) {
    if (key in this.records) throw new Error(`browserlib: record list ${key} exists already`);
    this.records[key] = [];
    this.failing.set(key, what);
  }

  // record appends entry to the list key, keeping at most MAX_RECORDED
  // entries so a page that floods its console cannot flood the summary.
  record(key, entry) {
    const list = this.records[key];
    if (list.length < MAX_RECORDED) list.push(entry);
    else this.dropped++;
    if (this.failing.has(key)) this.troubleSeen();
  }

  // checkClean fails the walk as soon as a failing list has an entry,
  // naming the phase it happened in.
  checkClean() {
    for (const [key, what] of this.failing) {
      const list = this.records[key];
      expect(list.length === 0, `${what} during ${this.phase}: ${JSON.stringify(list[0])}`);
    }
  }

  // screenshot saves a full-page PNG named <shotPrefix>NN-name.png and
  // records the page.
  async screenshot(page, name) {
    const file = `${this.shotPrefix}${String(++this.shots).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: path.join(this.outDir, file), fullPage: true, timeout: STEP_TIMEOUT_MS });
    this.pages.push({ n: this.shots, name, phase: this.phase, url: page.url(), screenshot: file });
    this.progress(`${file}  ${page.url()}`);
    return file;
  }

  // openBrowser launches Chromium with a fresh profile and wires the
  // console, page-error, CSP and navigation recorders to its page. The
  // session's navigations are the documents shown; its requests also hold
  // every redirect hop, where SAML's HTTP-Redirect binding carries its
  // messages.
  async openBrowser(label) {
    const { chromium } = require('playwright-core');
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fedgate-e2e-chromium-'));
    const session = { label, userDataDir, ctx: null, navigations: [], requests: [] };
    this.sessions.push(session);
    session.ctx = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
      viewport: { width: 1024, height: 768 },
      ignoreHTTPSErrors: true, // for route.fetch, like --ignore-certificate-errors for the browser
    });
    session.ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
    session.ctx.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    // Bindings and init scripts are injected over CDP, so the pages' own CSP
    // (script-src 'self') does not block them and they do not weaken it.
    await session.ctx.exposeBinding('__fedgateCSPViolation', (source, v) => {
      this.record('cspViolations', { source: 'event', browser: label, page: source.frame.url(), ...v });
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
      const csp = /Content.Security.Policy/i.test(msg.text());
      if (msg.type() !== 'error' && !csp) return;
      const entry = { browser: label, phase: this.phase, type: msg.type(), text: msg.text(), url: msg.location().url || page.url() };
      this.record('consoleErrors', entry);
      if (csp) this.record('cspViolations', { source: 'console', ...entry });
    });
    page.on('pageerror', (err) => {
      this.record('pageErrors', { browser: label, phase: this.phase, url: page.url(), message: err.message });
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame() && frame.url() !== ABOUT_BLANK && session.navigations.length < MAX_NAVIGATIONS) {
        session.navigations.push(frame.url());
      }
    });
    page.on('request', (req) => {
      if (req.isNavigationRequest() && req.frame() === page.mainFrame() && session.requests.length < MAX_NAVIGATIONS) {
        session.requests.push(req.url());
      }
    });
    this.page = page;
    return { page, session };
  }

  // close closes every browser opened so far and removes its profile.
  async close() {
    for (const s of this.sessions) {
      if (s.ctx) await s.ctx.close().catch(() => {});
      fs.rmSync(s.userDataDir, { recursive: true, force: true });
    }
    this.sessions = [];
  }

  summary(extra) {
    const args = { ...this.args };
    delete args.outDir;
    return {
      ...args,
      ...extra,
      result: this.result,
      pages: this.pages,
      ...this.records,
      droppedRecords: this.dropped,
    };
  }
}

// ---------------------------------------------------------------- page helpers

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

// waitFor waits until selector is visible and fails with what was expected
// and what the page shows instead.
async function waitFor(page, selector, what) {
  try {
    await page.locator(selector).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch (err) {
    throw new ExpectationError(`expected ${what} (${selector}) but it did not appear within ${STEP_TIMEOUT_MS} ms; ` +
      `the page shows ${await describe(page)} at ${page.url()}`);
  }
}

// text is the trimmed text of the first element matching selector.
async function text(page, selector) {
  return ((await page.locator(selector).first().textContent()) || '').trim();
}

// ---------------------------------------------------------------- simulated Microsoft Online

// startOrigin is the origin of the walk's simulated Microsoft Online
// (run.args.startURL, the demo's "Start here" URL).
function startOrigin(run) {
  return new URL(run.args.startURL).origin;
}

// openStartPage loads the simulated Microsoft Online sign-in page.
async function openStartPage(run, page, shotName) {
  await page.goto(run.args.startURL, { waitUntil: 'load' });
  await waitFor(page, '#signin-form #email', 'the simulated Microsoft Online sign-in page');
  await run.screenshot(page, shotName);
}

// submitEmail types the address on the start page and presses Next.
async function submitEmail(page, email) {
  await page.fill('#email', email);
  await page.click('#next');
}

// homeRealm is the home-realm discovery step: the start page, user's
// address, Next, and fedgate's sign-in page for user (see passwordPage).
// It returns that page's URL.
async function homeRealm(run, page, user, { startShot, passwordShot }) {
  await openStartPage(run, page, startShot);
  await submitEmail(page, user);
  await passwordPage(run, page, user, passwordShot);
  return new URL(page.url());
}

// signedInPage checks the simulated Microsoft Online accepted the token,
// screenshots its signed-in page and returns what the page shows.
async function signedInPage(run, page, shotName) {
  if (await page.locator('#rejected').count() > 0) {
    throw new ExpectationError(`simulated Microsoft Online rejected the token: ${await text(page, '#reason')}`);
  }
  await waitFor(page, '#signed-in', 'the simulated Microsoft Online signed-in page');
  await run.screenshot(page, shotName);
  return {
    upn: await text(page, '#upn'),
    mfa: await text(page, '#mfa'),
    immutableID: await text(page, '#immutable-id'),
    issuer: await text(page, '#issuer'),
    insideCorporateNetwork: await text(page, '#inside-corporate-network'),
    url: page.url(),
  };
}

// expectSignedIn is signedInPage for a sign-in with MFA: the token must be
// want.upn's with want.immutableID and an issuer. It returns the UPN, MFA
// text, ImmutableID, issuer and URL shown.
async function expectSignedIn(run, page, shotName, want) {
  const { upn, mfa, immutableID, issuer, url } = await signedInPage(run, page, shotName);
  expect(upn === want.upn, `signed in as ${JSON.stringify(upn)}, want ${want.upn}`);
  expect(mfa === MFA_TEXT, `#mfa says ${JSON.stringify(mfa)}, want ${JSON.stringify(MFA_TEXT)}`);
  expect(immutableID === want.immutableID, `ImmutableID ${JSON.stringify(immutableID)}, want ${want.immutableID}`);
  expect(issuer !== '', 'the signed-in page shows no issuer');
  return { upn, mfa, immutableID, issuer, url };
}

// ---------------------------------------------------------------- fedgate pages

// passwordPage waits for fedgate's sign-in form, which must not be on the
// simulated Microsoft Online, checks the user name it passed along
// (username hint) and screenshots it.
async function passwordPage(run, page, user, shotName) {
  await waitFor(page, '#loginForm', `fedgate's sign-in page for ${user}`);
  expect(new URL(page.url()).origin !== startOrigin(run), `the sign-in form is on the simulated Microsoft Online origin: ${page.url()}`);
  const prefilled = await page.inputValue('#userNameInput');
  expect(prefilled === user, `user name pre-filled as ${JSON.stringify(prefilled)}, want ${user}`);
  await run.screenshot(page, shotName);
}

// submitPassword types password on fedgate's sign-in form and submits it.
async function submitPassword(page, password) {
  await page.fill('#passwordInput', password);
  await page.click('#submitButton');
}

// signInError submits user/password on fedgate's sign-in form and returns
// the error shown, which must be the generic one; the password must not
// come back in the page.
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

// enroll completes fedgate's authenticator enrollment page (showing or
// about to show): it checks the QR code, screenshots the page as shotName,
// decodes the seed from #secret, checks the otpauth:// URI carries it and
// types the current code without submitting it (the caller presses
// #verifyButton). It returns the seed, the code's step (keep both out of
// any summary) and the QR code's size.
async function enroll(run, page, shotName = 'enroll-qr') {
  await waitFor(page, '#enrollForm', 'the authenticator enrollment page');
  await waitFor(page, '#qr', 'the enrollment QR code');
  const qr = await page.$eval('#qr', (img) => ({
    src: img.getAttribute('src') || '', loaded: img.complete && img.naturalWidth > 0, w: img.naturalWidth, h: img.naturalHeight,
  }));
  expect(qr.src.startsWith('data:image/png;base64,'), 'the QR code is not an inline PNG');
  expect(qr.loaded, 'the QR code image did not load (blocked by CSP or broken)');
  await run.screenshot(page, shotName);
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

// codePage expects fedgate's authenticator code page for an enrolled user
// (no enrollment QR code again), screenshots it and types the code of the
// step after lastStep or later without submitting it. It returns the code
// and its step (keep them out of any summary).
async function codePage(run, page, key, lastStep, shotName) {
  await waitFor(page, '#mfaForm', 'the authenticator code page (the user is enrolled)');
  expect(await page.locator('#enrollForm, #secret, #qr').count() === 0, 'an enrolled user is shown the enrollment QR code again');
  await run.screenshot(page, shotName);
  const totp = codeFor(key, lastStep);
  await page.fill('#codeInput', totp.code);
  return totp;
}

// ---------------------------------------------------------------- token auto-POST

// watchPost records the main-frame requests page makes to wantAction's
// origin and path. The returned function stops recording and returns the
// last one, or null: its method, URL without query, the names of the
// posted fields and the posted form (URLSearchParams; it holds the token,
// keep it out of summaries).
function watchPost(page, wantAction) {
  const target = new URL(wantAction);
  let posted = null;
  const onRequest = (req) => {
    const u = new URL(req.url());
    if (req.frame() !== page.mainFrame() || u.origin !== target.origin || u.pathname !== target.pathname) return;
    const form = new URLSearchParams(req.postData() || '');
    posted = { method: req.method(), to: u.origin + u.pathname, fields: [...new Set(form.keys())].sort(), form };
  };
  page.on('request', onRequest);
  return () => {
    page.off('request', onRequest);
    return posted;
  };
}

// wsfedFacts says what a posted WS-Federation sign-in response form holds:
// wa, whether wresult is a RequestSecurityTokenResponse and whether wctx
// came back.
function wsfedFacts(form) {
  return {
    wa: form.get('wa'), rstr: (form.get('wresult') || '').includes('RequestSecurityTokenResponse'), wctx: form.has('wctx'),
  };
}

// autoPost runs action, which must lead to fedgate's token page
// (form#autopost submitted by autopost.js), and lets the script submit the
// form by itself: nothing here clicks Continue. The script's download is
// held until the token page has been checked and screenshotted as shotName
// (once it runs, the page is gone). The form must post to wantAction, and
// the POST must reach it; then it waits until doneSelector is visible (the
// page after the POST) or the walk's trouble. It returns report (token
// page URL, form action, the form's and the POST's field names: fit for a
// summary) and the posted form (not fit: it holds the token).
async function autoPost(run, page, { shotName, wantAction, doneSelector, action }) {
  let failure = null;
  let shown = null;
  const target = new URL(wantAction);
  const isScript = (u) => u.pathname === AUTOPOST_SCRIPT;
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
  await page.route(isScript, holdScript);
  const posted = watchPost(page, target.href);
  let post = null;
  try {
    await action();
    await Promise.race([
      page.locator(doneSelector).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS }),
      run.trouble,
    ]).catch(() => {});
  } finally {
    post = posted();
    await page.unroute(isScript, holdScript);
  }
  if (failure) throw failure;
  run.checkClean(); // a script error or CSP block explains a missing POST best
  expect(shown !== null, `fedgate's token page (form#autopost with autopost.js) never appeared; the page shows ${await describe(page)} at ${page.url()}`);
  expect(shown.action === target.href, `the token form posts to ${shown.action}, want ${target.href}`);
  expect(post !== null, `fedgate's token page never auto-POSTed to ${target.href} (autopost.js did not submit it)`);
  expect(post.method === 'POST', `the token reached ${target.href} with ${post.method}, want POST`);
  return {
    report: { page: shown.url, action: shown.action, formFields: shown.fields, postedFields: post.fields },
    form: post.form,
  };
}

// viaAutoPost is autoPost for the WS-Federation token to the simulated
// Microsoft Online's /login.srf: the POST must carry wa=wsignin1.0 and a
// RequestSecurityTokenResponse. It returns the token page's URL, the form
// action and the posted field names.
async function viaAutoPost(run, page, shotName, action) {
  const { report, form } = await autoPost(run, page, {
    shotName, wantAction: `${startOrigin(run)}/login.srf`, doneSelector: '#signed-in, #rejected', action,
  });
  const token = wsfedFacts(form);
  expect(token.wa === 'wsignin1.0', `auto-POST field wa=${token.wa}, want wsignin1.0`);
  expect(token.rstr, 'the auto-POST has no wresult holding a RequestSecurityTokenResponse');
  return { page: report.page, action: report.action, fields: report.postedFields };
}

// ---------------------------------------------------------------- SAML messages

// samlMessage decodes the SAMLRequest or SAMLResponse of an HTTP-Redirect
// binding URL (saml-bindings §3.4.4.1: base64 of raw DEFLATE) and returns
// its root element name, a few attributes and the first StatusCode, or
// null when the URL carries none. Input and output are bounded.
function samlMessage(rawURL) {
  const q = new URL(rawURL).searchParams;
  const param = q.has('SAMLRequest') ? 'SAMLRequest' : q.has('SAMLResponse') ? 'SAMLResponse' : null;
  if (!param) return null;
  let xml;
  try {
    xml = zlib.inflateRawSync(Buffer.from(q.get(param), 'base64'), { maxOutputLength: MAX_SAML_MESSAGE }).toString('utf8');
  } catch (err) {
    throw new ExpectationError(`${param} in ${rawURL.slice(0, 200)} is not deflated base64: ${err.message}`);
  }
  return {
    param, ...samlFacts(param, xml),
    signed: q.has('Signature') && q.has('SigAlg'), sigAlg: q.get('SigAlg') || '', relayState: q.has('RelayState'),
  };
}

// samlPostMessage decodes an HTTP-POST binding field value (base64 of the
// XML, saml-bindings §3.5.4) like samlMessage, and also reports whether the
// message is signed (an enveloped ds:Signature anywhere in it) and its
// encryption algorithms (of an EncryptedAssertion).
function samlPostMessage(param, value) {
  const raw = Buffer.from(value || '', 'base64');
  expect(raw.length > 0 && raw.length <= MAX_SAML_MESSAGE, `${param} is empty or longer than ${MAX_SAML_MESSAGE} bytes`);
  const xml = raw.toString('utf8');
  const algorithms = [...xml.matchAll(/<(?:[\w-]+:)?EncryptionMethod\b[^>]*\sAlgorithm="([^"]*)"/g)].map((m) => m[1]);
  return {
    param, ...samlFacts(param, xml),
    signed: /<(?:[\w-]+:)?Signature\b/.test(xml),
    encryptedAssertion: /<(?:[\w-]+:)?EncryptedAssertion\b/.test(xml), encryptionAlgorithms: algorithms,
  };
}

// samlFacts reads the root element's name, ID, InResponseTo and Destination
// and the first StatusCode of a SAML message. A regular expression is
// enough here: the message comes from the system under test and is only
// described, never trusted.
function samlFacts(param, xml) {
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?<(?:[\w-]+:)?(\w+)\b([^>]*)>/.exec(xml);
  expect(root !== null, `${param} does not start with an element`);
  const attr = (name) => (new RegExp(`\\s${name}="([^"]*)"`).exec(root[2]) || [])[1] || '';
  const status = /<(?:[\w-]+:)?StatusCode\b[^>]*\sValue="([^"]*)"/.exec(xml);
  return {
    element: root[1], id: attr('ID'), inResponseTo: attr('InResponseTo'), destination: attr('Destination'),
    status: status ? status[1] : '',
  };
}

// ---------------------------------------------------------------- main

// checkedURL parses a command-line URL whose scheme is one of protocols
// ("https:"), or calls usage.
function checkedURL(usage, name, raw, protocols) {
  if (raw.length > MAX_URL_LENGTH) usage(`${name} is longer than ${MAX_URL_LENGTH} characters`);
  let u;
  try {
    u = new URL(raw);
  } catch (err) {
    usage(`${name} ${JSON.stringify(raw)} does not parse: ${err.message}`);
  }
  if (!protocols.includes(u.protocol)) usage(`${name} scheme ${u.protocol} is not one of ${protocols.join(' ')}`);
  return u;
}

// startURLArgs parses the arguments of a walk that starts at the simulated
// Microsoft Online: <start-url> <out-dir>.
function startURLArgs(argv, usage) {
  if (argv.length !== 2) usage(`want 2 arguments, got ${argv.length}`);
  const [start, outDir] = argv;
  return { startURL: checkedURL(usage, 'start URL', start, ['https:', 'http:']).href, outDir };
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

// runMain is a walk script's main. parseArgs(argv, usage) returns the
// walk's arguments, outDir among them, or calls usage(msg), which exits
// with status 2; the default parses <start-url> <out-dir> (startURLArgs).
// After the setup checks it runs walk(run, args) under a timeoutMs
// watchdog, prints the JSON summary on stdout and exits: 0 when every
// expectation held, 1 when one failed (the summary has the phase, the
// error, the URL and a screenshot of the failing page). shotPrefix is
// lower-case letters and dashes.
function runMain({
  name, shotPrefix = '', timeoutMs, walk, parseArgs = startURLArgs, usageLine = '<start-url> <out-dir>',
}) {
  if (!SHOT_PREFIX.test(shotPrefix)) throw new Error(`browserlib: shot prefix ${JSON.stringify(shotPrefix)} is not [a-z-]*`);
  const usage = (msg) => {
    process.stderr.write(`${name}: ${msg}\nusage: node ${name} ${usageLine}\n`);
    process.exit(2);
  };
  const main = async () => {
    const args = parseArgs(process.argv.slice(2), usage);
    if (!args.outDir) usage('the output directory is empty');
    args.outDir = path.resolve(args.outDir);
    try {
      selfTestTOTP();
      if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
      require.resolve('playwright-core');
      prepareOutDir(args.outDir, shotPrefix);
    } catch (err) {
      process.stderr.write(`${name}: setup: ${err.message}\n`);
      process.exit(2);
    }
    const run = new Run({ name, shotPrefix, outDir: args.outDir, args });
    const watchdog = setTimeout(() => {
      const error = `run exceeded ${timeoutMs} ms during ${run.phase}`;
      process.stdout.write(JSON.stringify(run.summary({ ok: false, phase: run.phase, error }), null, 2) + '\n');
      process.stderr.write(`${name}: FAIL: ${error}\n`);
      process.exit(1);
    }, timeoutMs);
    watchdog.unref();
    try {
      await walk(run, args);
      run.checkClean();
      process.stdout.write(JSON.stringify(run.summary({ ok: true }), null, 2) + '\n');
      return 0;
    } catch (err) {
      const failure = { ok: false, phase: run.phase, error: err.message, expectation: err instanceof ExpectationError };
      if (run.page && !run.page.isClosed()) {
        failure.url = run.page.url();
        failure.screenshot = await run.screenshot(run.page, `FAILED-${run.phase.replace(/[^A-Za-z0-9]+/g, '-')}`)
          .catch((e) => `screenshot failed: ${e.message}`);
      }
      process.stdout.write(JSON.stringify(run.summary(failure), null, 2) + '\n');
      process.stderr.write(`${name}: FAIL during ${run.phase}: ${err.message}\n` +
        (failure.url ? `  at ${failure.url}\n  screenshot ${path.join(args.outDir, String(failure.screenshot))}\n` : '') +
        (err instanceof ExpectationError ? '' : `${err.stack}\n`));
      return 1;
    } finally {
      clearTimeout(watchdog);
      await run.close();
    }
  };
  main().then((code) => process.exit(code), (err) => {
    process.stderr.write(`${name}: ${err.stack || err}\n`);
    process.exit(1);
  });
}

module.exports = {
  // harness
  STEP_TIMEOUT_MS, ExpectationError, expect, Run, runMain, checkedURL,
  // page helpers
  waitFor, text,
  // simulated Microsoft Online
  startOrigin, openStartPage, submitEmail, homeRealm, signedInPage, expectSignedIn,
  // fedgate pages
  passwordPage, submitPassword, signInError, enroll, codePage,
  // token auto-POST
  watchPost, wsfedFacts, autoPost, viaAutoPost,
  // SAML messages
  samlMessage, samlPostMessage,
};
