// Package e2e holds fedgate's acceptance tests: tokens, metadata and pages
// built by the real packages and binaries are checked by implementations
// nobody here wrote.
//
// The suites and the real parts each one needs:
//
//	TestWSFed_PassportWsfedSaml2     passport-wsfed-saml2 4.6.1 (node rp-validate.js wsfed)
//	TestWSFed_XMLSec1                xmlsec1, certificate pinned
//	TestWSTrust_*                    xmlsec1 and passport-wsfed-saml2 on WS-Trust
//	                                 tokens; fedgate's usernamemixed endpoints over HTTPS
//	TestSAML_NodeSAML_*              @node-saml/node-saml 5.1.0 (node saml-sp.js, rp-validate.js saml2)
//	TestSAML_XMLSec1                 xmlsec1
//	TestSAML_PySAML2                 pysaml2 (python3-pysaml2) under /usr/bin/python3,
//	                                 driving pysaml2/validate.py, and xmlsec1
//	TestBrowser_DemoSignIn           `fedgate demo` built from ./cmd/fedgate, Chromium
//	                                 (/usr/bin/chromium) and playwright-core 1.65.1 (browser.js);
//	                                 app passwords then tried on WS-Trust usernamemixed
//	TestBrowser_ProxyExtranetOnlyMFA the demo and fedgate-proxy built from ./cmd/fedgate-proxy,
//	                                 Chromium (browser-proxy.js)
//	TestBrowser_MellonSignInAndSingleLogout
//	                                 Apache httpd with mod_auth_mellon (apache2,
//	                                 libapache2-mod-auth-mellon; mellon/), the demo,
//	                                 Chromium (browser-mellon.js)
//	TestBrowser_SambaSignIn          the Samba AD DC lab of deploy/samba-ad-lab.sh named
//	                                 by FEDGATE_AD_ENV, the demo on it, Chromium (browser-samba.js)
//
// The four browser walks share browserlib.js (launch, screenshots in
// e2e/out/, CSP-violation capture, JSON summary, the common fedgate and
// simulated Microsoft Online page steps) and totp.js; each script holds
// only its scenario.
//
// Run them with:
//
//	npm ci --prefix e2e          # exact versions from e2e/package-lock.json
//	apt-get install -y xmlsec1 chromium python3-pysaml2 apache2 libapache2-mod-auth-mellon
//	go test ./e2e/...
//	bash deploy/samba-ad-lab.sh start && \
//	  FEDGATE_AD_ENV=/tmp/fedgate-ad/env FEDGATE_AD_REQUIRED=1 go test -run Samba ./e2e/
//
// Without a part a test skips with the command that installs it; with
// CI=true it fails instead (see package e2etest). The browser suites are
// skipped under -short. The Samba suite runs only with FEDGATE_AD_ENV; it
// is skipped without it unless FEDGATE_AD_REQUIRED=1 (see ldapauth/adlab).
package e2e
