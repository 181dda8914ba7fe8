package o365

import (
	"encoding/base64"
	"fmt"
)

// ImmutableID returns the Entra ImmutableID (sourceAnchor) for an AD
// objectGUID or mS-DS-ConsistencyGuid: standard base64 of the raw 16 bytes
// exactly as LDAP returns them (o365-reference §4). Do not reorder the bytes:
// AD's raw order already is the .NET Guid.ToByteArray() order Entra Connect
// encodes.
func ImmutableID(objectGUID []byte) string {
	return base64.StdEncoding.EncodeToString(objectGUID)
}

// GUIDString formats a raw 16-byte objectGUID in the canonical form
// Get-ADUser prints (e.g. 13f6b524-3fbe-4d9a-a6f4-97f7d3018cdd): the first
// three fields are stored little-endian, the last two big-endian. It fails if
// objectGUID is not exactly 16 bytes.
func GUIDString(objectGUID []byte) (string, error) {
	if len(objectGUID) != 16 {
		return "", fmt.Errorf("o365: objectGUID is %d bytes; want 16", len(objectGUID))
	}
	b := objectGUID
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]), nil
}
