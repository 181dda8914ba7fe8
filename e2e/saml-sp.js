// saml-sp.js: one @node-saml/node-saml 5.x service provider kept alive for a
// line-based dialogue with e2e/saml_test.go, so that node-saml's in-memory
// InResponseTo cache spans the AuthnRequest, the response and its replay.
//
//   node saml-sp.js config.json
//
// config.json: { entityId, callbackUrl, entryPoint, idpIssuer, idpCertFile,
//   validateInResponseTo: "always"|"never",
//   signingKeyFile?, signingCertFile?         (signs AuthnRequests, RSA-SHA256)
//   decryptionKeyFile?, decryptionCertFile? } (decrypts EncryptedAssertion)
//
// stdin, one JSON command per line; stdout, one JSON answer per line:
//   {"cmd":"metadata"}                      -> {"metadata": "<EntityDescriptor…"}
//   {"cmd":"authorize","relayState":"…"}    -> {"url": "https://idp/…?SAMLRequest=…"}
//   {"cmd":"validate","SAMLResponse":"…"}   -> {"ok":true,"profile":{…}} | {"ok":false,"error":"…"}
// A malformed command exits 2; the process exits 0 at end of input and 3
// when the dialogue outlives WATCHDOG_MS (it never hangs a test run).
'use strict';
const fs = require('fs');
const readline = require('readline');
const { SAML } = require('@node-saml/node-saml');

const WATCHDOG_MS = 120000;
setTimeout(() => {
  console.error('saml-sp.js: no end of input after ' + WATCHDOG_MS + ' ms; exiting');
  process.exit(3);
}, WATCHDOG_MS).unref();

const fail = (msg) => {
  console.error('saml-sp.js: ' + msg);
  process.exit(2);
};
if (process.argv.length !== 3) fail('usage: saml-sp.js config.json');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const read = (f) => (f ? fs.readFileSync(f, 'utf8') : undefined);
const signingKey = read(cfg.signingKeyFile);
const decryptionKey = read(cfg.decryptionKeyFile);
const saml = new SAML({
  issuer: cfg.entityId,
  callbackUrl: cfg.callbackUrl,
  entryPoint: cfg.entryPoint,
  idpIssuer: cfg.idpIssuer,
  idpCert: read(cfg.idpCertFile),
  validateInResponseTo: cfg.validateInResponseTo,
  wantAssertionsSigned: true,
  wantAuthnResponseSigned: true,
  acceptedClockSkewMs: 5000,
  ...(signingKey ? { privateKey: signingKey, signatureAlgorithm: 'sha256' } : {}),
  ...(decryptionKey ? { decryptionPvk: decryptionKey } : {}),
});

const answer = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

async function handle(cmd) {
  switch (cmd.cmd) {
    case 'metadata':
      return { metadata: saml.generateServiceProviderMetadata(read(cfg.decryptionCertFile) || null, read(cfg.signingCertFile) || null) };
    case 'authorize':
      return { url: await saml.getAuthorizeUrlAsync(cmd.relayState || '', undefined, {}) };
    case 'validate':
      try {
        const r = await saml.validatePostResponseAsync({ SAMLResponse: cmd.SAMLResponse });
        return { ok: true, profile: r.profile };
      } catch (err) {
        return { ok: false, error: (err && err.message) || String(err) };
      }
    default:
      return fail('unknown command ' + JSON.stringify(cmd.cmd));
  }
}

// Commands run strictly one after another: a replay must see the cache
// state the previous validation left.
let queue = Promise.resolve();
readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on('line', (line) => {
    if (line.trim() === '') return;
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch (e) {
      fail('command is not JSON: ' + e.message);
    }
    queue = queue.then(() => handle(cmd)).then(answer, (err) => fail((err && err.stack) || String(err)));
  })
  .on('close', () => queue.then(() => process.exit(0)));
