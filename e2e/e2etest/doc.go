// Package e2etest locates the independent verifiers the acceptance tests
// run against fedgate's output (xmlsec1 and the Node.js relying-party
// validators in e2e/) and runs them.
//
// A missing tool skips the test with a message that says how to install
// it, except when the environment variable CI is "true": then it fails the
// test, so that CI can never pass by skipping.
package e2etest
