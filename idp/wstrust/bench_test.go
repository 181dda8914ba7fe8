package wstrust_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/fedgate/fedgate/idp/wstrust"
)

// BenchmarkUsernameMixed13 is one complete 1.3 request on real parts:
// parse, replay insert (SQLite), LDAP bind (in-process directory over
// TLS), MFA lookup, RSA-SHA256 signature and response. Compare with
// idp/token's signing benchmark and ldapauth's bind benchmark.
func BenchmarkUsernameMixed13(b *testing.B) {
	env := newTestEnv(b)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = env.msal(wstrust.Trust13, aliceUPN, alicePass).bytes()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := env.post(b, wstrust.Trust13, bytes.NewReader(bodies[i]))
		if res.status != http.StatusOK {
			b.Fatalf("status %d: %s", res.status, res.body)
		}
	}
}

// BenchmarkParseEnvelope is the parser alone on the MSAL capture.
func BenchmarkParseEnvelope(b *testing.B) {
	body := capture(b, "msal_13.xml")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for i := 0; i < b.N; i++ {
		if _, err := wstrust.ParseEnvelope(body, wstrust.Trust13); err != nil {
			b.Fatal(err)
		}
	}
}
