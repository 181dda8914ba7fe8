// Package apppass implements app passwords: random, per-user, per-device
// passwords for legacy clients that cannot do multi-factor
// authentication (Outlook 2010, ActiveSync, scripts using WS-Trust
// usernamemixed).
//
// A user creates one on the self-service security page after a full
// password + TOTP sign-in. The password is shown once and stored only as
// an argon2id hash with its own salt and the parameters it was made with,
// so raising the parameters later does not invalidate existing passwords.
// Each has a name (the device), a creation time and the time it was last
// accepted; the user can revoke it at any time.
//
// Passwords are FormatGroups groups of GroupLen characters from an
// alphabet without look-alike characters (no 0/o, 1/l/i), separated by
// dashes for typing. Verification ignores case, dashes and spaces.
//
// Service.Verify satisfies wstrust.AppPasswordVerifier: it hashes the
// candidate against every stored hash of the user (at most MaxPerUser),
// without stopping at a match, and compares in constant time. A token
// issued on an app password must say that MFA was not done on that
// request; that is the caller's job (package wstrust does it).
//
// Passwords never reach a log line; only record IDs and names do.
package apppass
