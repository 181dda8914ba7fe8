package ldapauth

import (
	"strconv"
	"strings"
)

// maxDiagnosticLen bounds the input ParseDiagnostic scans. AD diagnostics
// are about 100 bytes; anything much longer is not one.
const maxDiagnosticLen = 4096

// adDataCodes maps the hexadecimal "data" sub-code that Active Directory
// puts in the diagnostic message of an invalidCredentials (49) bind result
// to a Reason. See MS-ADTS 3.1.1.3.1.1 and the Win32 error codes
// ERROR_LOGON_FAILURE (0x52e) and friends.
var adDataCodes = map[string]Reason{
	"52e": ReasonBadPassword,
	"525": ReasonNoSuchUser,
	"530": ReasonLogonHours,
	"531": ReasonWorkstation,
	"532": ReasonPasswordExpired,
	"533": ReasonDisabled,
	"701": ReasonAccountExpired,
	"773": ReasonMustChangePassword,
	"775": ReasonLockedOut,
}

// ParseDiagnostic extracts the "data XXX" sub-code from an Active Directory
// diagnostic message such as
//
//	80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1
//
// code is the sub-code in lower-case hexadecimal without leading zeros
// ("52e"). ok reports whether a sub-code was found at all; reason is
// ReasonUnknown for sub-codes outside the table above (ok is still true).
// Messages longer than 4096 bytes, or without a "data <1-8 hex digits>"
// token ending at a comma, space or the end of the message, give ok=false.
func ParseDiagnostic(msg string) (code string, reason Reason, ok bool) {
	if len(msg) > maxDiagnosticLen {
		return "", ReasonUnknown, false
	}
	rest := msg
	for {
		i := strings.Index(rest, "data ")
		if i < 0 {
			return "", ReasonUnknown, false
		}
		// "data" must start a word: "metadata 52e" is not a sub-code.
		startsWord := i == 0 || !isWordByte(rest[i-1])
		rest = rest[i+len("data "):]
		if !startsWord {
			continue
		}
		n := 0
		for n < len(rest) && n < 9 && isHexByte(rest[n]) {
			n++
		}
		if n == 0 || n > 8 {
			continue
		}
		if n < len(rest) && rest[n] != ',' && rest[n] != ' ' {
			continue
		}
		v, err := strconv.ParseUint(rest[:n], 16, 32)
		if err != nil { // unreachable: at most 8 hex digits
			continue
		}
		code = strconv.FormatUint(v, 16)
		reason, known := adDataCodes[code]
		if !known {
			reason = ReasonUnknown
		}
		return code, reason, true
	}
}

func isHexByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isWordByte(c byte) bool {
	return isHexByte(c) || 'g' <= c && c <= 'z' || 'G' <= c && c <= 'Z' || c == '_'
}
