// Package o365test builds and signs Office 365 WS-Federation tokens (the
// o365-reference §2 RSTR with a SAML 1.1 assertion) for the tests of o365
// and msonline. It deliberately does not use idp/token: the checker must be
// tested against an independent encoder. Test code only.
package o365test
