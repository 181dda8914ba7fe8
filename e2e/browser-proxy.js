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
// The harness, the page steps and the output are browserlib.js's: a JSON
// summary on stdout (with strayRequests, the requests refused above);
// exit status 0 = every expectation held, 1 = one failed, 2 = usage or
// setup error. The TOTP seed and codes are never printed; the passwords
// are the published demo accounts.
'use strict';

const {
  runMain, checkedURL, expect, waitFor, STEP_TIMEOUT_MS, startOrigin, homeRealm, signedInPage, submitPassword,
  enroll, watchPost, wsfedFacts,
} = require('./browserlib');

const RUN_TIMEOUT_MS = 120000; // hard stop for the whole walk

const ALICE = 'alice@contoso.com';
const ALICE_PASSWORD = 'Alice-Passw0rd!';
const BOB = 'bob@contoso.com';
const BOB_PASSWORD = 'Bob-Passw0rd!';

// viaPublicName makes session's browser reach fedgate through the proxy
// (the public DNS answer, see the top of the file). Playwright does not
// route the hops of a redirect, so the simulated site's discovery POST is
// fetched here and its redirect to fedgate's /adfs/ls/ is handed to the
// browser pointing at the same path and query on the proxy. Any request
// the browser itself makes to fedgate's origin is aborted and recorded in
// strayRequests, which fails the walk. The returned object counts the
// redirects sent to the proxy.
async function viaPublicName(run, session) {
  const { fedgateOrigin, proxyOrigin } = run.args;
  const sent = { redirects: 0 };
  await session.ctx.route((u) => u.origin === startOrigin(run) && u.pathname === '/', async (route) => {
    const req = route.request();
    if (req.method() !== 'POST' || !req.isNavigationRequest()) {
      await route.fallback();
      return;
    }
    const resp = await route.fetch({ maxRedirects: 0 });
    const headers = resp.headers();
    const loc = headers.location ? new URL(headers.location, req.url()) : null;
    if (resp.status() >= 300 && resp.status() < 400 && loc && loc.origin === fedgateOrigin && loc.pathname === '/adfs/ls/') {
      const to = proxyOrigin + loc.pathname + loc.search;
      run.progress(`extranet: redirect to ${loc.origin}${loc.pathname} sent to ${proxyOrigin}${loc.pathname} (public name → proxy)`);
      sent.redirects++;
      await route.fulfill({ response: resp, headers: { ...headers, location: to } });
      return;
    }
    await route.fulfill({ response: resp });
  });
  await session.ctx.route((u) => u.origin === fedgateOrigin, async (route) => {
    const req = route.request();
    const u = new URL(req.url());
    run.record('strayRequests', { phase: run.phase, method: req.method(), url: u.origin + u.pathname });
    await route.abort('blockedbyclient');
  });
  return sent;
}

// toFedgate follows home-realm discovery for user to fedgate's sign-in
// page, which must be on origin and carry the simulated site's wctx.
async function toFedgate(run, page, user, origin, shot) {
  const u = await homeRealm(run, page, user, { startShot: `${shot}-msonline-signin`, passwordShot: `${shot}-fedgate-password` });
  expect(u.origin === origin, `fedgate's sign-in page for ${user} is at ${u.origin}, want ${origin}`);
  expect(u.pathname === '/adfs/ls/' && u.searchParams.get('wa') === 'wsignin1.0' && u.searchParams.get('wctx'),
    `home-realm discovery sent the browser to ${u.pathname}?${[...u.searchParams.keys()].join('&')}`);
}

// signedIn waits for the simulated site's verdict on the token whose POST
// posted (watchPost) watched: a wsignin1.0 POST to /login.srf with wresult
// and wctx. It returns what the signed-in page shows.
async function signedIn(run, page, shot, posted) {
  await page.locator('#signed-in, #rejected').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS }).catch(() => {});
  const post = posted();
  const { upn, mfa, insideCorporateNetwork, url } = await signedInPage(run, page, shot);
  const token = post && { method: post.method, ...wsfedFacts(post.form) };
  expect(token && token.method === 'POST' && token.wa === 'wsignin1.0' && token.rstr && token.wctx,
    `the token did not reach /login.srf as a wsignin1.0 POST with wresult and wctx: ${JSON.stringify(token)}`);
  return { upn, mfa, insideCorporateNetwork, url };
}

// fedgatePages are the navigations of session that left the simulated site.
function fedgatePages(run, session) {
  return session.navigations.filter((u) => new URL(u).origin !== startOrigin(run));
}

async function walk(run) {
  const loginSrf = `${startOrigin(run)}/login.srf`;
  run.failOn('strayRequests', 'a request from the extranet browser straight to fedgate (bypassing the proxy)');

  run.phase = 'extranet';
  const ext = await run.openBrowser('extranet');
  const sent = await viaPublicName(run, ext.session);
  let page = ext.page;
  await toFedgate(run, page, ALICE, run.args.proxyOrigin, 'extranet');
  await submitPassword(page, ALICE_PASSWORD);
  await waitFor(page, '#enrollForm', 'the authenticator enrollment page (MFA demanded from the extranet)');
  expect(new URL(page.url()).origin === run.args.proxyOrigin, `the enrollment page is at ${page.url()}, not on the proxy`);
  await enroll(run, page, 'extranet-enroll-qr');
  let posted = watchPost(page, loginSrf);
  await page.click('#verifyButton');
  const extranet = await signedIn(run, page, 'extranet-msonline-signed-in', posted);
  run.checkClean();
  expect(sent.redirects === 1, `${sent.redirects} discovery redirects were sent to the proxy, want 1`);
  run.result.extranet = { ...extranet, totpDemanded: true, fedgatePages: fedgatePages(run, ext.session) };
  await run.close();

  run.phase = 'intranet';
  const int = await run.openBrowser('intranet');
  page = int.page;
  await toFedgate(run, page, BOB, run.args.fedgateOrigin, 'intranet');
  posted = watchPost(page, loginSrf);
  await submitPassword(page, BOB_PASSWORD);
  await page.locator('#signed-in, #rejected, #mfaForm, #enrollForm').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS }).catch(() => {});
  const totpDemanded = await page.locator('#mfaForm, #enrollForm').count() > 0;
  if (totpDemanded) await run.screenshot(page, 'intranet-unexpected-mfa');
  expect(!totpDemanded, 'a second factor was demanded from inside under extranet_only');
  const intranet = await signedIn(run, page, 'intranet-msonline-signed-in', posted);
  run.checkClean();
  run.result.intranet = { ...intranet, totpDemanded, fedgatePages: fedgatePages(run, int.session) };
  await run.close();
}

// parseArgs reads <start-url> <fedgate-origin> <proxy-origin> <out-dir>;
// the three origins must differ.
function parseArgs(argv, usage) {
  if (argv.length !== 4) usage(`want 4 arguments, got ${argv.length}`);
  const [start, fedgate, proxy, outDir] = argv;
  const args = {
    startURL: checkedURL(usage, 'start URL', start, ['https:']).href,
    fedgateOrigin: checkedURL(usage, 'fedgate origin', fedgate, ['https:']).origin,
    proxyOrigin: checkedURL(usage, 'proxy origin', proxy, ['https:']).origin,
    outDir,
  };
  if (new Set([new URL(args.startURL).origin, args.fedgateOrigin, args.proxyOrigin]).size !== 3) usage('the three origins must differ');
  return args;
}

runMain({
  name: 'browser-proxy.js',
  usageLine: '<start-url> <fedgate-origin> <proxy-origin> <out-dir>',
  shotPrefix: 'proxy-',
  timeoutMs: RUN_TIMEOUT_MS,
  parseArgs,
  walk,
});
