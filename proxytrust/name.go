package proxytrust

import (
	"fmt"
	"math/big"
	"strings"
)

// MaxProxyNameLen is the longest proxy name accepted (a DNS name).
const MaxProxyNameLen = 253

// NormalizeProxyName checks that name is a DNS host name (letters, digits
// and hyphens in dot-separated labels of 1 to 63 characters, no leading or
// trailing hyphen, at most MaxProxyNameLen characters; no wildcard, no IP
// address) and returns it in lower case. The name is what appears in the
// proxy's certificate, in X-MS-Proxy and in fedgate's logs.
func NormalizeProxyName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: empty; use the proxy's DNS name, such as wap1.contoso.com", ErrInvalidName)
	}
	if len(name) > MaxProxyNameLen {
		return "", fmt.Errorf("%w: longer than %d characters", ErrInvalidName, MaxProxyNameLen)
	}
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	allDigits := true
	for _, label := range strings.Split(n, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("%w: %q has an empty or over-long label", ErrInvalidName, name)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("%w: %q has a label that starts or ends with '-'", ErrInvalidName, name)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c == '-':
				allDigits = false
			case c >= '0' && c <= '9':
			default:
				return "", fmt.Errorf("%w: %q contains %q; use letters, digits, '-' and '.'", ErrInvalidName, name, string(rune(c)))
			}
		}
	}
	if allDigits {
		return "", fmt.Errorf("%w: %q looks like an IP address; use the proxy's DNS name", ErrInvalidName, name)
	}
	return n, nil
}

// maxSerialHexLen is 20 octets (RFC 5280 §4.1.2.2) in hex.
const maxSerialHexLen = 40

// SerialString formats a certificate serial number the way the store and
// the CLI use it: lower-case hexadecimal without leading zeros or
// separators.
func SerialString(n *big.Int) string { return n.Text(16) }

// ParseSerial accepts a serial as an operator may paste it (any case,
// optional ':' or ' ' separators, as printed by openssl) and returns it in
// the form of SerialString.
func ParseSerial(s string) (string, error) {
	if len(s) > 3*maxSerialHexLen {
		return "", fmt.Errorf("proxytrust: serial is longer than %d hex digits", maxSerialHexLen)
	}
	clean := strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(s))
	if clean == "" || len(clean) > maxSerialHexLen {
		return "", fmt.Errorf("proxytrust: serial %q must be 1 to %d hex digits; copy it from `fedgate proxy-trust list`", s, maxSerialHexLen)
	}
	n, ok := new(big.Int).SetString(clean, 16)
	if !ok || n.Sign() <= 0 {
		return "", fmt.Errorf("proxytrust: serial %q is not a positive hexadecimal number", s)
	}
	return SerialString(n), nil
}
