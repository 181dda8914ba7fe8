// Package tokentest provides fixed token-signing keys, a fixed clock and a
// deterministic ID source for tests of packages that issue or verify
// tokens, so that signed XML can be compared with golden files.
//
// The keys in testdata/ are published with the source code. They must never
// sign anything outside tests.
package tokentest
