// Package rp holds the relying-party trusts: who may receive tokens from
// fedgate, under which identifiers, and at which reply URLs.
//
// The reply-URL allow-list is the core security property of a federation
// server: a token is only ever POSTed to a URL registered for the party
// that asked for it (MS-WSFED §3.1.5.4.2 "the STS MUST validate that wreply
// belongs to the relying party"). An unknown realm or an unregistered reply
// URL is an error for the caller to render, never a redirect.
//
// Each party carries an MFAPolicy (always, extranet_only or never) that the
// web layer applies together with the request's network location, which
// only the proxy-trust layer establishes (package proxytrust).
//
// A SAML 2.0 party (Protocol SAML2) carries its samlp.ServiceProvider; its
// only identifier is the SP entity ID and its reply URLs are exactly the
// SP's assertion consumer service locations (SAMLParty builds one).
//
// Each party also carries what it receives: claim rules and an access
// policy (package claims), the NameID source and, for WS-Fed, the
// signature algorithm, NameID format and token lifetime (Issuers signs
// with them). A Definition is the same trust as an administrator writes
// it in fedgate.yaml or the store: ParseDefinition decodes one strictly,
// Validate checks it without I/O and Party builds the trust, reading SAML
// metadata through Env.
//
// Office 365 (realm urn:federation:MicrosoftOnline) is built in; see
// Office365. Its claim set (and the Entra SAML 2.0 profile's) cannot be
// overridden by claim rules, and no rule may issue the claims that
// describe how the user authenticated (authnmethodsreferences).
package rp
