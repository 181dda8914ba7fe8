// Package claims turns a directory user into the claims a relying party
// receives, and decides whether the user may sign in to it at all. The
// rules are AD FS's claim-rule templates written as data, so a trust can
// live in fedgate.yaml or in the store:
//
//	AD FS template                                  Rule
//	Send LDAP Attributes as Claims                  {attribute: mail, claim: …/emailaddress}
//	Send Group Membership as a Claim                {member_of: <group DN>, claim: …/role, value: Finance}
//	Token-Groups – Unqualified / Qualified Names    {groups: cn | dn, claim: …/role}
//	(custom rule issuing a fixed value)             {value: Contoso, claim: …/organization}
//
// Issuance authorization (AD FS "Permit/Deny users based on an incoming
// claim" on group SIDs) is Access: an empty Access permits everyone, as
// AD FS's default "Permit access to all users" does; otherwise a member of
// a deny group is refused whatever else holds, and with permit groups only
// their members are admitted. Group DNs are compared after RFC 4514
// normalisation and case folding, because AD compares DNs
// case-insensitively.
//
// A Subject is built from an ldapauth.User (NewSubject). Attribute names
// are matched case-insensitively, as LDAP does: the built-ins upn (or
// userPrincipalName), samaccountname, mail, displayname, objectguid (the
// GUID string form, 8-4-4-4-12 hex) and immutableid, plus whatever extra
// attributes the directory client was configured to read
// (ldapauth.Config.ExtraAttributes). ValidateRules refuses a rule naming an
// attribute that is not read, so a typo fails at start-up instead of
// silently issuing nothing.
//
// Evaluate applies the rules in order and returns one Claim per claim
// type, in order of first appearance, with duplicate values removed.
// Values that XML cannot carry unchanged (invalid UTF-8, control
// characters) or that exceed MaxValueBytes are an error rather than being
// dropped: a relying party must never receive a silently shortened claim
// set. Access decisions need the complete group list: callers must read
// the user from the directory (with groups) before calling Decide.
package claims
