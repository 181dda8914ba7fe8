// Package ldapauth authenticates users against Active Directory over LDAP.
//
// A Client holds two connection pools per directory: a search pool whose
// connections are bound as the service account, and a bind pool whose
// connections only ever carry user binds. One sign-in is:
//
//	step                          pool    on failure
//	----------------------------  ------  -------------------------------------------
//	refuse empty password         -       ReasonEmptyPassword, no network I/O
//	check username (size, UTF-8)  -       ReasonNoSuchUser, no network I/O
//	search BaseDN for the user    search  0 hits: ReasonNoSuchUser, >1: ReasonAmbiguousUser
//	bind as the found DN          bind    result 49 + AD "data XXX": the matching Reason
//	map attributes to *User       -       -
//
// Every connection is TLS before its first LDAP operation (LDAPS, or StartTLS
// on ldap:// URLs) with TLS 1.2 or later. Domain controllers are tried in
// the configured order; the next one is used only when dialing or the TLS
// handshake fails, never because of a bind result.
//
// Failures are *Error values carrying a Reason. Credential failures (the
// user's fault) match ErrInvalidCredentials with errors.Is; directory
// outages, timeouts and TLS failures match ErrUnavailable and must never be
// counted as a failed password by lockout logic.
//
// The username filter is built by buildUserFilter, the only place where
// user input is escaped (once, with ldap.EscapeFilter).
package ldapauth
