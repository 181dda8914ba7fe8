// rp-validate.js: validates a token from fedgate with independent relying-party
// libraries (test-recipes.md, Recipe 4). Exit status 0 = accepted (the profile
// is printed as JSON), 1 = rejected (the reason is printed), 2 = usage error.
//
//   node rp-validate.js wsfed  idp.crt urn:federation:MicrosoftOnline   < wresult.xml
//   node rp-validate.js saml2  idp.crt <sp-entityid> <acs-url>          < SAMLResponse.b64
//
// wsfed uses passport-wsfed-saml2 (pinned to xml-crypto 1.4.0 by package.json
// overrides): a positive interop oracle, the same code path the Strategy takes
// for a POSTed wresult. saml2 uses @node-saml/node-saml 5.x; set
// WANT_ASSERTION_SIGNED=0 or WANT_RESPONSE_SIGNED=0 to relax its defaults.
'use strict';
const fs = require('fs');

const [mode, certFile, audience, acs] = process.argv.slice(2);
if (!['wsfed', 'saml2'].includes(mode) || !certFile || !audience) {
  console.error('usage: rp-validate.js wsfed|saml2 cert.pem audience [acs-url] < token');
  process.exit(2);
}
const certB64 = fs.readFileSync(certFile, 'utf8').replace(/-----[^-]+-----|\s/g, '');
const input = fs.readFileSync(0, 'utf8').trim();

let finished = false;
const done = (err, profile) => {
  if (finished) return;
  finished = true;
  if (err) {
    console.error('REJECTED:', (err && err.message) || String(err));
    process.exit(1);
  }
  console.log(JSON.stringify(profile, null, 2));
  process.exit(0);
};

if (mode === 'wsfed') {
  const { Strategy } = require('passport-wsfed-saml2');
  const s = new Strategy({ realm: audience, cert: certB64, identityProviderUrl: 'http://unused' },
    (profile, verified) => verified(null, profile));
  const req = {
    method: 'POST', body: { wa: 'wsignin1.0', wresult: input }, query: {}, headers: {},
    get: () => undefined, protocol: 'http', originalUrl: '/', url: '/',
  };
  s.success = (user) => done(null, user);
  s.fail = (c) => done(c && c.message ? c : new Error(String(c)));
  s.error = (e) => done(e || new Error('error without a reason'));
  s.authenticate(req, {});
} else {
  const { SAML } = require('@node-saml/node-saml');
  const saml = new SAML({
    issuer: audience, audience, callbackUrl: acs || 'http://unused/acs', idpCert: certB64,
    wantAssertionsSigned: process.env.WANT_ASSERTION_SIGNED !== '0',
    wantAuthnResponseSigned: process.env.WANT_RESPONSE_SIGNED !== '0',
    acceptedClockSkewMs: 5000,
  });
  saml.validatePostResponseAsync({ SAMLResponse: input }).then((r) => done(null, r.profile), done);
}
