package ldapauth

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// SID layout (MS-DTYP 2.4.2.2): revision (1 byte, always 1), sub-authority
// count (1 byte, at most 15), identifier authority (6 bytes, big-endian),
// then count sub-authorities (4 bytes each, little-endian).
const (
	sidRevision          = 1
	sidHeaderLen         = 8
	sidMaxSubAuthorities = 15
	sidMaxLen            = sidHeaderLen + 4*sidMaxSubAuthorities
)

// parseSID checks that b is exactly one well-formed binary SID, as AD
// returns in objectSid and tokenGroups, and returns its string form
// ("S-1-5-21-…-513").
func parseSID(b []byte) (string, error) {
	switch {
	case len(b) < sidHeaderLen:
		return "", fmt.Errorf("SID has %d bytes, want at least %d", len(b), sidHeaderLen)
	case len(b) > sidMaxLen:
		return "", fmt.Errorf("SID has %d bytes, want at most %d", len(b), sidMaxLen)
	case b[0] != sidRevision:
		return "", fmt.Errorf("SID revision %d, want %d", b[0], sidRevision)
	case int(b[1]) > sidMaxSubAuthorities:
		return "", fmt.Errorf("SID has %d sub-authorities, want at most %d", b[1], sidMaxSubAuthorities)
	case len(b) != sidHeaderLen+4*int(b[1]):
		return "", fmt.Errorf("SID has %d bytes, want %d for %d sub-authorities", len(b), sidHeaderLen+4*int(b[1]), b[1])
	}
	var auth uint64
	for _, x := range b[2:8] {
		auth = auth<<8 | uint64(x)
	}
	var s strings.Builder
	s.WriteString("S-1-")
	s.WriteString(strconv.FormatUint(auth, 10))
	for i := 0; i < int(b[1]); i++ {
		s.WriteByte('-')
		s.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[sidHeaderLen+4*i:])), 10))
	}
	return s.String(), nil
}

// anyBinaryFilter returns "(|(attr=v1)(attr=v2)…)", matching entries whose
// binary attribute attr (objectSid, objectGUID) equals one of values; each
// value is fully hex-escaped by escapeBinary, so no byte of it can change
// the filter's structure. attr is a constant of the caller, never input.
func anyBinaryFilter(attr string, values [][]byte) string {
	var f strings.Builder
	f.WriteString("(|")
	for _, v := range values {
		f.WriteString("(" + attr + "=")
		f.WriteString(escapeBinary(v))
		f.WriteString(")")
	}
	f.WriteString(")")
	return f.String()
}

// escapeBinary renders b as an RFC 4515 assertion value with every byte
// hex-escaped, for matching binary attributes such as objectSid.
func escapeBinary(b []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 3*len(b))
	for _, c := range b {
		out = append(out, '\\', hex[c>>4], hex[c&0xf])
	}
	return string(out)
}
