// Package e2e holds fedgate's acceptance tests: tokens and metadata built by
// the real packages are checked by implementations nobody here wrote.
//
//	passport-wsfed-saml2 4.6.1  WS-Fed relying party (rp-validate.js wsfed)
//	@node-saml/node-saml 5.1.0  SAML 2.0 service provider (rp-validate.js saml2)
//	xmlsec1                     XML-DSig verification with a pinned certificate
//
// Run them with:
//
//	npm ci --prefix e2e          # exact versions from e2e/package-lock.json
//	apt-get install -y xmlsec1
//	go test ./e2e/...
//
// Without node_modules or xmlsec1 the tests skip with that hint; with
// CI=true they fail instead (see package e2etest).
package e2e
