// Package lockout implements extranet smart lockout: it stops password
// guessing from the internet before Active Directory's own account lockout
// is reached, so an attacker can neither brute-force a password nor lock the
// real user out of AD (AD FS "Extranet Smart Lockout", ESL; see
// o365-reference §6).
//
// # Model
//
// State is kept per directory account (the key is the account's objectGUID
// as found by a Resolver, never the name as typed, so "alice",
// "CORP\alice" and "ALICE@contoso.com" share one budget) and has two
// counters:
//
//	familiar    bad passwords from client IPs where the user has signed in
//	            successfully before (the last MaxFamiliarIPs such IPs)
//	unfamiliar  bad passwords from every other IP
//
// A counter that reaches its threshold locks that location only: an
// attacker elsewhere exhausts the unfamiliar budget while the user keeps
// signing in from a familiar IP. Counters do not decay with time. A locked
// location allows one more attempt once its own latest failure is a full
// observation window old and the other location's at least half a window
// old (ESL's "one attempt per observation window", tightened so that those
// attempts always reach AD after AD's own counter has reset; see
// evaluate).
//
// # Flow (one password sign-in)
//
//	Check    resolve the account; decide; when allowed, count the attempt
//	         as a failure *before* the directory is asked, in one atomic
//	         Store.UpdateLockout (so N concurrent requests can never put
//	         more than the remaining budget of binds in front of AD)
//	bind     done by the caller only when Decision.Allowed
//	Failure  bad password: the attempt stays counted
//	Success  good password: the familiar counter is reset (a success
//	         from an unfamiliar IP resets the unfamiliar one too; one from
//	         a familiar IP must not hand an attacker new guesses) and the
//	         IP becomes the most recent familiar IP
//	Release  anything else (DC outage, timeout, disabled account, expired
//	         password …): the attempt is refunded, so a DC outage never
//	         counts as a bad password
//
// The decisions are pure functions of (State, client IP, now), tested
// without a store; the Store only promises that UpdateLockout is atomic
// per key across every node sharing the database.
//
// # Modes
//
//	off       nothing is checked or stored
//	log_only  everything is counted; a locked location is logged and
//	          reported in Decision.Reason but never refused; errors fail open
//	enforce   a locked location is refused without asking the directory;
//	          errors fail closed (the sign-in is refused, nothing counted)
//
// # Intranet attempts
//
// As in AD FS, extranet lockout is for attempts from the extranet: those
// that came through a trusted fedgate-proxy (Config.FromExtranet). With
// IntranetSkip (the default) an intranet attempt goes straight to AD,
// whose own lockout policy applies: it is not checked (a locked extranet
// location does not refuse it), not counted, and a good password from the
// intranet changes nothing; in particular its internal IP does not
// become familiar (see IntranetSkip for why). IntranetCount treats
// intranet attempts exactly like extranet ones, to shield AD from
// password spraying inside the network too. Without proxy trust nothing
// can be told apart: every attempt is extranet and counted.
//
// # Choosing thresholds
//
// AD locks an account when its badPwdCount reaches the domain's "Account
// lockout threshold"; badPwdCount is reset "Reset account lockout counter
// after" minutes after the last bad password. To keep AD from locking:
//
//   - ObservationWindow must be at least twice AD's reset time (default 30m
//     against the baseline's 15m). Then every attempt a locked location is
//     allowed reaches AD after AD's counter has reset, and the bad
//     passwords AD sees in a row from fedgate never exceed
//     Threshold + FamiliarThreshold.
//   - Threshold + FamiliarThreshold must stay below AD's threshold, with
//     room for the intranet typos AD also counts. The defaults, 4 + 4,
//     leave two under the Microsoft security baseline's AD threshold of
//     10; a CIS-style AD threshold of 5 needs 2 + 2 or less.
//
// # Limitations
//
//   - Only sign-ins through fedgate are counted (with IntranetSkip, only
//     extranet ones); AD still counts intranet failures (workstations,
//     VPN, and intranet sign-ins through fedgate) against the same
//     threshold.
//   - Check needs a directory search to find the account: a locked attempt
//     costs one service-account search (no bind as the user). A name that
//     matches no account is not counted and stores nothing, so guessing
//     user names cannot grow the table.
//   - A good password is recorded when the password step succeeds, before
//     MFA: a client that knows the password gains a familiar IP, which is
//     no lockout concern (MFA still applies).
//   - Counters reset on a good password or by an administrator: Admin
//     (`fedgate lockout show|list|reset`) reads an account's activity like
//     AD FS Get-ADFSAccountActivity and resets one location or both like
//     Reset-ADFSAccountLockout, keeping the familiar IPs.
//   - The client IP is the one the web layer establishes (the connection
//     peer, or the proxy-forwarded IP once proxy trust exists); ESL's
//     "familiar only if every forwarded IP is familiar" applies then.
package lockout
