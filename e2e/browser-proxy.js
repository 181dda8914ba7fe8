// browser-proxy.js: the `fedgate demo` Office 365 flow in headless Chromium
// through fedgate-proxy, under the MFA policy extranet_only.
// browser_proxy_test.go starts the demo and an enrolled fedgate-proxy and
// runs this script; by hand:
//
//   node browser-proxy.js https://127.0.0.1:MS/ https://127.0.0.1:FG https://127.0.0.1:PX out/
//
// Arguments: the "Start here" URL of the simulated Microsoft Online,
// fedgate's origin, the proxy's origin, and a directory for screenshots
// (earlier proxy-*.png files in it are removed first).
//
// Walk:
//   extranet browser (fresh profile): alice@contoso.com on the simulated
//     Microsoft Online → home-realm discovery → fedgate's sign-in page *via
//     the proxy* → password → TOTP enrollment → token auto-POST → signed in:
//     insidecorporatenetwork false, MFA done
//   intranet browser (fresh profile): bob@contoso.com → fedgate's sign-in
//     page directly → password → token auto-POST, no code page → signed in:
//     insidecorporatenetwork true, no MFA claim
//
// Why the extranet browser is redirected: in a deployment the federation
// name resolves to the proxies from the internet and to fedgate from
// inside (split-horizon DNS), so both browsers follow the same URL. Here
// fedgate and the proxy are two loopback ports, and the simulated site
// redirects to fedgate's own URL with a single-use wctx it insists on
// seeing again at /login.srf, so the proxy's URL cannot simply be opened
// with a made-up wctx. The extranet browser therefore starts on the
// simulated site as usual, and its discovery redirect to fedgate's
// /adfs/ls/ is rewritten to the same path and query on the proxy
// (page.route), which is what the public DNS answer achieves. Any request
// from that browser to fedgate's own origin is refused and fails the walk:
// every fedgate page and form must come through the proxy.
//
// Output: one JSON summary on stdout. Exit status 0 = every expectation
// held, 1 = an expectation failed (summary has "error", the URL and a
// screenshot), 2 = usage or setup error. The TOTP seed and codes are never
// printed; the passwords are the published demo accounts.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  // The demo's (and the proxy's) TLS certificates come from a throwaway CA.
  '--ignore-certificate-errors',
];

const STEP_TIMEOUT_MS = 15000;
const RUN_TIMEOUT_MS = 120000;
const MAX_URL_LENGTH = 2048;
const MAX_RECORDED = 100;

const ALICE = 'alice@contoso.com';
const ALICE_PASSWORD = 'Alice-Passw0rd!';
const BOB = 'bob@contoso.com';
const BOB_PASSWORD = 'Bob-Passw0rd!';
const MFA_TEXT = 'MFA done by the federated IdP';
const NO_MFA_TEXT = 'No MFA claim';
const SHOT_PREFIX = 'proxy-';

// TOTP (RFC 6238): see totp.js.
const { base32Decode, hotp, totpStep, selfTestTOTP } = require('./totp');

// ---------------------------------------------------------------- run state

class ExpectationError extends Error {}

function expect(cond, message) {
  if (!cond) throw new ExpectationError(message);
}

function progress(msg) {
  process.stderr.write(`[browser-proxy.js] ${msg}\n`);
}

class Run {
  constructor(args) {
    Object.assign(this, args); // startURL, fedgateOrigin, proxyOrigin, outDir
    this.startOrigin = new URL(this.startURL).origin;
    this.shots = 0;
    this.pages = [];
    this.pageErrors = [];
    this.cspViolations = [];
    this.strayRequests = []; // extranet requests that tried to reach fedgate directly
    this.sessions = [];
    this.page = null;
    this.phase = 'setup';
    this.result = {};
  }

  // screenshot saves a full-page PNG named proxy-NN-name.png.
  async screenshot(page, name) {
    const file = `${SHOT_PREFIX}${String(++this.shots).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: path.join(this.outDir, file), fullPage: true, timeout: STEP_TIMEOUT_MS });
    this.pages.push({ n: this.shots, name, phase: this.phase, url: page.url(), screenshot: file });
    progress(`${file}  ${page.url()}`);
    return file;
  }

  record(list, entry) {
    if (list.length < MAX_RECORDED) list.push(entry);
  }

  // openBrowser launches Chromium with a fresh profile; it records uncaught
  // page errors, CSP reports on the console and every main-frame navigation.
  async openBrowser(label) {
    const { chromium } = require('playwright-core');
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fedgate-e2e-proxy-chromium-'));
    const session = { label, userDataDir, ctx: null, navigations: [] };
    this.sessions.push(session);
    session.ctx = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1024, height: 768 },
      ignoreHTTPSErrors: true, // for route.fetch in viaPublicName, like --ignore-certificate-errors
    });
    session.ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
    session.ctx.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const page = session.ctx.pages()[0] || await session.ctx.newPage();
    page.on('console', (msg) => {
      if (/Content.Security.Policy/i.test(msg.text())) {
        this.record(this.cspViolations, { browser: label, phase: this.phase, text: msg.text(), url: page.url() });
      }
    });
    page.on('pageerror', (err) => this.record(this.pageErrors, { browser: label, phase: this.phase, url: page.url(), message: err.message }));
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame() && frame.url() !== 'about:blank') session.navigations.push(frame.url());
    });
    this.page = page;
    return { page, session };
  }

  // viaPublicName makes session's browser reach fedgate through the proxy
  // (the public DNS answer, see the top of the file). Playwright does not
  // route the hops of a redirect, so the simulated site's discovery POST is
  // fetched here and its redirect to fedgate's /adfs/ls/ is handed to the
  // browser pointing at the same path and query on the proxy. Any request
  // the browser itself makes to fedgate's origin is aborted and recorded.
  async viaPublicName(session) {
    await session.ctx.route((u) => u.origin === this.startOrigin && u.pathname === '/', async (route) => {
      const req = route.request();
      if (req.method() !== 'POST' || !req.isNavigationRequest()) {
        await route.fallback();
        return;
      }
      const resp = await route.fetch({ maxRedirects: 0 });
      const headers = resp.headers();
      const loc = headers.location ? new URL(headers.location, req.url()) : null;
      if (resp.status() >= 300 && resp.status() < 400 && loc && loc.origin === this.fedgateOrigin && loc.pathname === '/adfs/ls/') {
        const to = this.proxyOrigin + loc.pathname + loc.search;
        progress(`extranet: redirect to ${loc.origin}${loc.pathname} sent to ${this.proxyOrigin}${loc.pathname} (public name → proxy)`);
        this.publicRedirects = (this.publicRedirects || 0) + 1;
        await route.fulfill({ response: resp, headers: { ...headers, location: to } });
        return;
      }
      await route.fulfill({ response: resp });
    });
    await session.ctx.route((u) => u.origin === this.fedgateOrigin, async (route) => {
      const req = route.request();
      const u = new URL(req.url());
      this.record(this.strayRequests, { phase: this.phase, method: req.method(), url: u.origin + u.pathname });
      await route.abort('blockedbyclient');
    });
  }

  checkClean() {
    expect(this.cspViolations.length === 0, `Content-Security-Policy violation during ${this.phase}: ${JSON.stringify(this.cspViolations[0])}`);
    expect(this.pageErrors.length === 0, `uncaught script error during ${this.phase}: ${JSON.stringify(this.pageErrors[0])}`);
    expect(this.strayRequests.length === 0, `the extranet browser reached fedgate directly, bypassing the proxy: ${JSON.stringify(this.strayRequests[0])}`);
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
      startURL: this.startURL, fedgateOrigin: this.fedgateOrigin, proxyOrigin: this.proxyOrigin,
      ...extra,
      result: this.result, pages: this.pages,
      pageErrors: this.pageErrors, cspViolations: this.cspViolations, strayRequests: this.strayRequests,
    };
  }
}

// ---------------------------------------------------------------- page helpers

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

async function waitFor(page, selector, what) {
  try {
    await page.locator(selector).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch (err) {
    throw new ExpectationError(`expected ${what} (${selector}) but it did not appear within ${STEP_TIMEOUT_MS} ms; ` +
      `the page shows ${await describe(page)}`);
  }
}

async function text(page, selector) {
  return ((await page.locator(selector).first().textContent()) || '').trim();
}

// toFedgate starts at the simulated Microsoft Online with user and follows
// home-realm discovery to fedgate's sign-in page, which must be on origin.
async function toFedgate(run, page, user, origin, shot) {
  await page.goto(run.startURL, { waitUntil: 'load' });
  await waitFor(page, '#signin-form #email', 'the simulated Microsoft Online sign-in page');
  await run.screenshot(page, `${shot}-msonline-signin`);
  await page.fill('#email', user);
  await page.click('#next');
  await waitFor(page, '#loginForm', `fedgate's sign-in page for ${user}`);
  const u = new URL(page.url());
  expect(u.origin === origin, `fedgate's sign-in page for ${user} is at ${u.origin}, want ${origin}`);
  expect(u.pathname === '/adfs/ls/' && u.searchParams.get('wa') === 'wsignin1.0' && u.searchParams.get('wctx'),
    `home-realm discovery sent the browser to ${u.pathname}?${[...u.searchParams.keys()].join('&')}`);
  expect(await page.inputValue('#userNameInput') === user, `the user name is not pre-filled with ${user}`);
  await run.screenshot(page, `${shot}-fedgate-password`);
}

// tokenPosted watches page for the token's POST to /login.srf on the
// simulated site; call the returned function for what was seen.
function tokenPosted(run, page) {
  let posted = null;
  const onRequest = (req) => {
    const u = new URL(req.url());
    if (req.frame() !== page.mainFrame() || u.origin !== run.startOrigin || u.pathname !== '/login.srf') return;
    const f = new URLSearchParams(req.postData() || '');
    posted = { method: req.method(), wa: f.get('wa'), rstr: (f.get('wresult') || '').includes('RequestSecurityTokenResponse'), wctx: f.has('wctx') };
  };
  page.on('request', onRequest);
  return () => {
    page.off('request', onRequest);
    return posted;
  };
}

// signedIn waits for the simulated site's verdict and returns what its
// signed-in page shows.
async function signedIn(run, page, shot, seen) {
  await page.locator('#signed-in, #rejected').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS }).catch(() => {});
  const posted = seen();
  if (await page.locator('#rejected').count() > 0) {
    throw new ExpectationError(`simulated Microsoft Online rejected the token: ${await text(page, '#reason')}`);
  }
  await waitFor(page, '#signed-in', 'the simulated Microsoft Online signed-in page');
  await run.screenshot(page, shot);
  expect(posted && posted.method === 'POST' && posted.wa === 'wsignin1.0' && posted.rstr && posted.wctx,
    `the token did not reach /login.srf as a wsignin1.0 POST with wresult and wctx: ${JSON.stringify(posted)}`);
  return {
    upn: await text(page, '#upn'),
    mfa: await text(page, '#mfa'),
    insideCorporateNetwork: await text(page, '#inside-corporate-network'),
    url: page.url(),
  };
}

// ---------------------------------------------------------------- the walk

async function walk(run) {
  run.phase = 'extranet';
  const ext = await run.openBrowser('extranet');
  await run.viaPublicName(ext.session);
  let page = ext.page;
  await toFedgate(run, page, ALICE, run.proxyOrigin, 'extranet');
  await page.fill('#passwordInput', ALICE_PASSWORD);
  await page.click('#submitButton');
  await waitFor(page, '#enrollForm', 'the authenticator enrollment page (MFA demanded from the extranet)');
  expect(new URL(page.url()).origin === run.proxyOrigin, `the enrollment page is at ${page.url()}, not on the proxy`);
  await run.screenshot(page, 'extranet-enroll-qr');
  const key = base32Decode(await text(page, '#secret'));
  expect(key.length >= 16, `TOTP seed is ${key.length} bytes; want at least 16`);
  await page.fill('#codeInput', hotp(key, totpStep(Date.now())));
  let seen = tokenPosted(run, page);
  await page.click('#verifyButton');
  const extranet = await signedIn(run, page, 'extranet-msonline-signed-in', seen);
  run.checkClean();
  const fedgatePages = ext.session.navigations.filter((u) => {
    const o = new URL(u).origin;
    return o !== run.startOrigin;
  });
  expect(run.publicRedirects === 1, `${run.publicRedirects || 0} discovery redirects were sent to the proxy, want 1`);
  run.result.extranet = { ...extranet, totpDemanded: true, fedgatePages };
  await run.close();

  run.phase = 'intranet';
  const int = await run.openBrowser('intranet');
  page = int.page;
  await toFedgate(run, page, BOB, run.fedgateOrigin, 'intranet');
  await page.fill('#passwordInput', BOB_PASSWORD);
  seen = tokenPosted(run, page);
  await page.click('#submitButton');
  await page.locator('#signed-in, #rejected, #mfaForm, #enrollForm').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS }).catch(() => {});
  const totpDemanded = await page.locator('#mfaForm, #enrollForm').count() > 0;
  if (totpDemanded) await run.screenshot(page, 'intranet-unexpected-mfa');
  expect(!totpDemanded, 'a second factor was demanded from inside under extranet_only');
  const intranet = await signedIn(run, page, 'intranet-msonline-signed-in', seen);
  run.checkClean();
  run.result.intranet = {
    ...intranet, totpDemanded,
    fedgatePages: int.session.navigations.filter((u) => new URL(u).origin !== run.startOrigin),
  };
  await run.close();
}

// ---------------------------------------------------------------- main

function usage(msg) {
  process.stderr.write(`browser-proxy.js: ${msg}\nusage: node browser-proxy.js <start-url> <fedgate-origin> <proxy-origin> <out-dir>\n`);
  process.exit(2);
}

function origin(name, raw, keepPath) {
  if (raw.length > MAX_URL_LENGTH) usage(`${name} is longer than ${MAX_URL_LENGTH} characters`);
  let u;
  try {
    u = new URL(raw);
  } catch (err) {
    usage(`${name} ${JSON.stringify(raw)} does not parse: ${err.message}`);
  }
  if (u.protocol !== 'https:') usage(`${name} scheme ${u.protocol} is not https`);
  return keepPath ? u.href : u.origin;
}

function parseArgs(argv) {
  if (argv.length !== 4) usage(`want 4 arguments, got ${argv.length}`);
  const [start, fedgate, proxy, outDir] = argv;
  if (!outDir) usage('the output directory is empty');
  const args = {
    startURL: origin('start URL', start, true), fedgateOrigin: origin('fedgate origin', fedgate),
    proxyOrigin: origin('proxy origin', proxy), outDir: path.resolve(outDir),
  };
  if (new Set([new URL(args.startURL).origin, args.fedgateOrigin, args.proxyOrigin]).size !== 3) usage('the three origins must differ');
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  try {
    selfTestTOTP();
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
    require.resolve('playwright-core');
    fs.mkdirSync(args.outDir, { recursive: true });
    for (const f of fs.readdirSync(args.outDir)) {
      if (/^proxy-[A-Za-z0-9-]+\.png$/.test(f)) fs.rmSync(path.join(args.outDir, f), { force: true });
    }
  } catch (err) {
    process.stderr.write(`browser-proxy.js: setup: ${err.message}\n`);
    process.exit(2);
  }
  const run = new Run(args);
  const watchdog = setTimeout(() => {
    process.stdout.write(JSON.stringify(run.summary({ ok: false, phase: run.phase, error: `run exceeded ${RUN_TIMEOUT_MS} ms` })) + '\n');
    process.exit(1);
  }, RUN_TIMEOUT_MS);
  watchdog.unref();
  try {
    await walk(run);
    process.stdout.write(JSON.stringify(run.summary({ ok: true }), null, 2) + '\n');
    return 0;
  } catch (err) {
    const failure = { ok: false, phase: run.phase, error: err.message };
    if (run.page && !run.page.isClosed()) {
      failure.url = run.page.url();
      failure.screenshot = await run.screenshot(run.page, `FAILED-${run.phase}`).catch((e) => `screenshot failed: ${e.message}`);
    }
    process.stdout.write(JSON.stringify(run.summary(failure), null, 2) + '\n');
    process.stderr.write(`browser-proxy.js: FAIL during ${run.phase}: ${err.message}\n` +
      (err instanceof ExpectationError ? '' : `${err.stack}\n`));
    return 1;
  } finally {
    clearTimeout(watchdog);
    await run.close();
  }
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`browser-proxy.js: ${err.stack || err}\n`);
  process.exit(1);
});
