// browser-samba.js: the `fedgate demo --directory-env` sign-in against the
// real Samba AD lab (deploy/samba-ad-lab.sh) in headless Chromium.
// browser_samba_test.go starts the demo on the lab and runs this script;
// it can also be run by hand:
//
//   FEDGATE_SAMBA_WALK='{"user":{"upn":"alice@contoso.test","password":"…","immutableID":"…"},
//     "disabled":{"upn":"carol@contoso.test","password":"…"},
//     "mustChange":{"upn":"dave@contoso.test","password":"…"}}' \
//   node browser-samba.js https://127.0.0.1:PORT/ out/
//
// The accounts come from the environment (FEDGATE_SAMBA_WALK, JSON), not
// the command line, so their passwords stay out of process listings.
// Screenshots are out/samba-NN-*.png. The harness, the page steps and the
// output are browserlib.js's (see there).
//
// Walk (every password typed is the account's right one, so the walk never
// counts towards the lab's lockout threshold):
//   browser 1 (fresh profile)
//     start page → user → Next → fedgate sign-in → password → TOTP
//     enrollment → token auto-POST → signed in with MFA and the ImmutableID
//     of the user's objectGUID
//   browser 2 (fresh profile)
//     disabled user with the right password → the generic #error;
//     must-change user with the right password → the password-change page
'use strict';

const {
  runMain, expect, waitFor, text, homeRealm, expectSignedIn, submitPassword, signInError, enroll, viaAutoPost,
} = require('./browserlib');

const RUN_TIMEOUT_MS = 150000; // hard stop for the whole walk
const WALK_ENV = 'FEDGATE_SAMBA_WALK';
const MAX_WALK_ENV = 4096; // bytes of JSON: three accounts

// accounts reads and checks FEDGATE_SAMBA_WALK; a bad value is a usage
// error (exit 2) that names the field, never its value.
function accounts() {
  const raw = process.env[WALK_ENV] || '';
  const fail = (msg) => {
    process.stderr.write(`browser-samba.js: ${WALK_ENV}: ${msg}\n`);
    process.exit(2);
  };
  if (raw === '' || raw.length > MAX_WALK_ENV) fail(`want 1 to ${MAX_WALK_ENV} bytes of JSON, got ${raw.length}`);
  let v;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    fail(`not JSON: ${err.message}`);
  }
  const str = (obj, path) => {
    const s = path.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
    if (typeof s !== 'string' || s === '' || s.length > 512) fail(`${path} must be a non-empty string`);
    return s;
  };
  return {
    user: { upn: str(v, 'user.upn'), password: str(v, 'user.password'), immutableID: str(v, 'user.immutableID') },
    disabled: { upn: str(v, 'disabled.upn'), password: str(v, 'disabled.password') },
    mustChange: { upn: str(v, 'mustChange.upn'), password: str(v, 'mustChange.password') },
  };
}

async function walk(run, acct) {
  run.phase = 'lab user sign-in';
  const b1 = await run.openBrowser('browser-1');
  let page = b1.page;
  await homeRealm(run, page, acct.user.upn, { startShot: 'msonline-signin', passwordShot: 'fedgate-password' });
  await submitPassword(page, acct.user.password);
  const { key } = await enroll(run, page);
  const autoPost = await viaAutoPost(run, page, 'fedgate-autopost', () => page.click('#verifyButton'));
  const shown = await expectSignedIn(run, page, 'msonline-signed-in', { upn: acct.user.upn, immutableID: acct.user.immutableID });
  run.checkClean();
  run.result.signIn = { ...shown, enrolled: true, seedBytes: key.length, autoPost };
  await run.close();

  run.phase = 'disabled user';
  const b2 = await run.openBrowser('browser-2');
  page = b2.page;
  await homeRealm(run, page, acct.disabled.upn, { startShot: 'msonline-signin-disabled', passwordShot: 'fedgate-password-disabled' });
  const disabledError = await signInError(run, page, acct.disabled.upn, acct.disabled.password, 'fedgate-disabled');
  expect(await page.locator('#page-password-change').count() === 0, 'the disabled user got the password-change page');
  run.result.disabled = { user: acct.disabled.upn, error: disabledError };
  run.checkClean();

  run.phase = 'must-change user';
  await homeRealm(run, page, acct.mustChange.upn, { startShot: 'msonline-signin-must-change', passwordShot: 'fedgate-password-must-change' });
  await submitPassword(page, acct.mustChange.password);
  await waitFor(page, '#page-password-change', 'the password-change page');
  await run.screenshot(page, 'fedgate-password-change');
  expect(!(await page.content()).includes(acct.mustChange.password), 'the password is echoed in the password-change page');
  run.result.mustChange = {
    user: acct.mustChange.upn, url: page.url(), heading: await text(page, 'h1'), error: await text(page, '#error'),
  };
  run.checkClean();
  await run.close();
}

const acct = accounts();
runMain({ name: 'browser-samba.js', shotPrefix: 'samba-', timeoutMs: RUN_TIMEOUT_MS, walk: (run) => walk(run, acct) });
