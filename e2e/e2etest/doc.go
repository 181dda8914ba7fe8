// Package e2etest locates the independent verifiers the acceptance tests
// run against fedgate's output and runs them: xmlsec1 (XMLSec1Verify,
// XMLSec1VerifyNode), the Node.js relying-party validators in e2e/ (Node),
// pysaml2 under Debian's system Python (PySAML2) and Apache httpd with
// mod_auth_mellon (Mellon).
//
// A missing tool skips the test with a message that says how to install
// it, except when the environment variable CI is "true": then it fails the
// test, so that CI can never pass by skipping.
package e2etest
