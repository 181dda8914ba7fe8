// Package ldapauth authenticates users against Active Directory over LDAP.
//
// A Client holds two connection pools: a search pool whose connections are
// bound as the service account, and a bind pool whose connections only
// ever carry user binds. One sign-in is:
//
//	step                          pool    on failure
//	----------------------------  ------  -------------------------------------------
//	refuse empty password         -       ReasonEmptyPassword, no network I/O
//	check username (size, UTF-8,  -       ReasonNoSuchUser, no network I/O
//	  control characters)
//	search BaseDN for the user    search  0 hits: ReasonNoSuchUser, >1: ReasonAmbiguousUser
//	bind as the found DN          bind    result 49 + AD "data XXX": the matching Reason
//	  and, at the same time,
//	  read groups (GroupLookup)   search  unreadable tokenGroups: ReasonUnavailable;
//	                                      more than MaxGroups: ReasonUnknown
//	map attributes to *User       -       bad objectGUID / ConsistencyGuid: ReasonUnknown
//
// The user may type a UPN, DOMAIN\sAMAccountName, a bare sAMAccountName or,
// with AlternateLoginID, that attribute's value (AD FS's alternate login
// ID). buildUserFilter is the only place user input enters a filter; it is
// escaped exactly once, with ldap.EscapeFilter. The ImmutableID is the
// base64 objectGUID, or mS-DS-ConsistencyGuid when ImmutableIDSource says
// so and it is set, as Entra Connect does.
//
// Connections are TLS before their first LDAP operation (LDAPS, or
// StartTLS run by this package on the raw socket) with TLS 1.2 or later
// and the pinned RootCAs; plain LDAP needs the loudly named
// InsecurePlaintextLDAP. Pooled connections are checked on checkout
// (closed ones dropped, ones idle for a minute probed with a root DSE
// read) and a reused one that fails at the network level is replaced and
// the operation retried once. Waiting for a free connection is bounded by
// AcquireTimeout.
//
// Domain controllers are tried in the configured order. A DC that fails to
// connect or complete TLS is skipped for RetryInterval; a bind or search
// result never causes failover, so a wrong password is never retried
// elsewhere. Once the interval has passed, a background probe (never a
// user's request) dials the earlier DC, and when it answers, connections
// move back to it as they are checked out.
//
// Failures are *Error values carrying a Reason. Credential failures (the
// user's fault) match ErrInvalidCredentials with errors.Is; directory
// outages, timeouts and TLS failures match ErrUnavailable and must never
// be counted as a failed password by lockout logic, which should count
// against Error.UserDN rather than the typed name.
package ldapauth
