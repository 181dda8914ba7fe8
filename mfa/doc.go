// Package mfa implements TOTP (RFC 6238) second-factor enrollment and
// verification for fedgate.
//
// Codes are the variant every authenticator app supports: HMAC-SHA1, six
// digits, 30-second steps, with a tolerance of one step either side by
// default. Seeds are generated with github.com/pquerna/otp from an injected
// random source and are sealed at rest with AES-256-GCM; the additional data
// binds each sealed seed to its row ("mfa_totp|secret|"+userID), so a sealed
// seed copied into another user's row does not open.
//
// # Flows
//
//	enrollment:   NewEnrollment (secret, otpauth:// URI, QR PNG; saves nothing)
//	              → user scans, types a code → Confirm (checks the code, then
//	              saves the sealed seed atomically; ErrAlreadyEnrolled if a
//	              concurrent or earlier enrollment won)
//	sign-in:      Verify(userID, code)
//	admin:        List, Reset
//
// # Attempt accounting
//
// Confirm and Verify share one attempt budget per user (failure kind "totp"):
//
//  1. If the user is locked (a "totp_lock" UseOnce record that has not
//     expired), the attempt fails with ErrLocked without looking at the code.
//     The check is itself a UseOnce whose record is born expired, so it is
//     atomic and leaves nothing that blocks.
//  2. The attempt is counted with Store.AddFailure *before* the code is
//     checked. Counting first means that concurrent requests can never
//     evaluate more than MaxFailures codes per window, however many arrive
//     at once.
//  3. A code that is not exactly six ASCII digits, or does not match, or
//     matches a time step that was already used (ErrReplayed) is a failure.
//     The attempt that reaches MaxFailures locks MFA for the user for
//     LockoutDuration and returns ErrLocked; while locked even a right code
//     returns ErrLocked.
//  4. A matching code is accepted once: its time step is recorded with
//     Store.UseOnce("totp", userID+":"+step, …), a single atomic call, never
//     a read followed by a write. Success resets the failure counter.
//
// The package never imports anything under idp/: the Store interface is
// owned here and implemented by idp/store/sqlite and idp/store/postgres.
package mfa
