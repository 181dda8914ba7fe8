// Package ldaptest runs an in-process directory that behaves like Active
// Directory for the parts fedgate relies on. It serves real LDAP over TLS
// (LDAPS, or StartTLS when Config.StartTLS is set) on a loopback port using
// github.com/jimlambrt/gldap, so ldapauth is tested end to end rather than
// against mocks. `fedgate demo` uses it at runtime too.
//
// AD behaviour reproduced:
//
//	operation                       answer
//	------------------------------  -------------------------------------------------------
//	simple bind, empty password     success as anonymous (AD's unauthenticated bind)
//	simple bind, wrong password     49, "80090308: LdapErr: DSID-0C09042A, ... data 52e, v3839"
//	simple bind, unknown name       49, data 52e
//	right password, account state   49, data 533 disabled / 701 expired / 532 pwd expired /
//	                                773 must change; 775 locked out (any password)
//	bind or search before StartTLS  8 strongAuthRequired / 13 confidentialityRequired
//	search while anonymous          50 insufficientAccessRights (RootDSE excepted)
//	search                          filter evaluated case-insensitively (&,|,!,=,~=,>=,<=,
//	                                presence, substrings, AD bit-and/bit-or matching rules,
//	                                LDAP_MATCHING_RULE_IN_CHAIN on member/memberOf);
//	                                size limit honoured with result 4
//	search naming tokenGroups       base scope: the transitive group SIDs, primary group
//	                                (Domain Users, RID 513) included; other scopes:
//	                                1 operationsError, as Samba and AD answer
//
// The BaseDN entry is the domain object (objectClass domainDNS) with the
// account lockout policy attributes lockoutThreshold,
// lockOutObservationWindow and lockoutDuration in AD's encoding
// (Config.DomainAttributes overrides them). Entries carry objectGUID, objectSid, primaryGroupID, mS-DS-ConsistencyGuid
// (when User.ConsistencyGUID is set) and the account-state attributes AD
// has. Groups are entries with member and memberOf; Config.Groups nests
// them. Bind names may be a DN, a userPrincipalName or
// DOMAIN\sAMAccountName. The directory counts binds and searches and
// remembers the last filter, so tests can assert what a client sent.
// Passwords are never logged.
//
// Relay forwards a loopback port to a directory or a real DC and can be
// switched off and on, for failover tests.
package ldaptest
