package ldaptest

import (
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/jimlambrt/gldap"
)

// AD diagnostic texts. The bind one is what a Windows Server 2016+ DC
// sends; Samba differs only in the DSID and version fields.
const (
	diagBindFmt     = "80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data %s, v3839"
	diagNeedsBind   = "000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v3839"
	diagNeedsTLS    = "00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection, data 0, v3839"
	diagTLSActive   = "00000000: LdapErr: DSID-0C091189, comment: TLS or SSL already in effect, data 0, v3839"
	diagNoSuchObj   = "0000208D: NameErr: DSID-0310028B, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'%s'\n"
	diagUnsupported = "00002077: SvcErr: DSID-03140595, problem 5012 (DIR_ERROR), data 0 (ldaptest: operation not supported)"
	// As captured from Samba 4.17 for a subtree search asking for tokenGroups.
	diagTokenGroupsScope = "00002020: operational_search_post_process failed for attribute 'tokenGroups' - Cannot provide tokenGroups attribute, this is not a BASE search"
)

// routes registers the request handlers.
func (d *Directory) routes() (*gldap.Mux, error) {
	mux, err := gldap.NewMux()
	if err != nil {
		return nil, fmt.Errorf("ldaptest: new mux: %w", err)
	}
	for _, err := range []error{
		mux.Bind(d.handleBind),
		mux.Search(d.handleSearch),
		mux.ExtendedOperation(d.handleStartTLS, gldap.ExtendedOperationStartTLS),
		mux.DefaultRoute(d.handleUnsupported),
	} {
		if err != nil {
			return nil, fmt.Errorf("ldaptest: route: %w", err)
		}
	}
	return mux, nil
}

// session returns the state of connection id, creating it on first use.
// The caller must hold d.mu.
func (d *Directory) sessionLocked(id int) *session {
	s, ok := d.sessions[id]
	if !ok {
		s = &session{tls: !d.cfg.StartTLS}
		d.sessions[id] = s
	}
	return s
}

// state returns a snapshot of connection id's session.
func (d *Directory) state(id int) session {
	d.mu.Lock()
	defer d.mu.Unlock()
	return *d.sessionLocked(id)
}

// forget drops the session of a closed connection (gldap OnClose hook).
func (d *Directory) forget(id int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.sessions, id)
}

func (d *Directory) setIdentity(id int, dn string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sessionLocked(id).identity = dn
}

func (d *Directory) handleBind(w *gldap.ResponseWriter, r *gldap.Request) {
	d.binds.Add(1)
	resp := r.NewBindResponse(gldap.WithResponseCode(gldap.ResultInvalidCredentials))
	defer func() { _ = w.Write(resp) }()

	m, err := r.GetSimpleBindMessage()
	if err != nil {
		resp.SetResultCode(gldap.ResultAuthMethodNotSupported)
		resp.SetDiagnosticMessage("ldaptest: only simple binds are supported")
		return
	}
	id := r.ConnectionID()
	if !d.state(id).tls {
		resp.SetResultCode(gldap.ResultStrongAuthRequired)
		resp.SetDiagnosticMessage(diagNeedsTLS)
		return
	}
	// A failed bind leaves the connection anonymous, as in AD.
	d.setIdentity(id, "")

	name, password := m.UserName, string(m.Password)
	if password == "" {
		// AD: a simple bind with an empty password is an unauthenticated
		// (anonymous) bind and succeeds whatever the name.
		resp.SetResultCode(gldap.ResultSuccess)
		d.log.Debug("ldaptest: anonymous bind", "conn", id, "name", name)
		return
	}
	if dn, err := ldap.ParseDN(name); err == nil && d.bindDN.EqualFold(dn) {
		if equalSecret(password, d.cfg.BindPassword) {
			d.setIdentity(id, d.cfg.BindDN)
			resp.SetResultCode(gldap.ResultSuccess)
			d.log.Debug("ldaptest: bind", "conn", id, "dn", d.cfg.BindDN, "result", "success")
			return
		}
		resp.SetDiagnosticMessage(fmt.Sprintf(diagBindFmt, "52e"))
		d.log.Debug("ldaptest: bind", "conn", id, "dn", d.cfg.BindDN, "result", "52e")
		return
	}

	u := d.findBindUser(name)
	code := "52e"
	if u != nil {
		code = bindCode(u, password)
	}
	if code == "" {
		d.setIdentity(id, u.DN)
		resp.SetResultCode(gldap.ResultSuccess)
		d.log.Debug("ldaptest: bind", "conn", id, "dn", u.DN, "result", "success")
		return
	}
	resp.SetDiagnosticMessage(fmt.Sprintf(diagBindFmt, code))
	d.log.Debug("ldaptest: bind", "conn", id, "name", name, "result", code)
}

// bindCode returns AD's data sub-code for a bind as u with password, or ""
// for success. A locked account answers 775 whatever the password; other
// account states are only revealed to someone who knows the password.
func bindCode(u *User, password string) string {
	switch {
	case u.LockedOut:
		return "775"
	case !equalSecret(password, u.Password):
		return "52e"
	case u.Disabled:
		return "533"
	case u.AccountExpired:
		return "701"
	case u.PasswordExpired:
		return "532"
	case u.MustChangePassword:
		return "773"
	}
	return ""
}

func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// findBindUser resolves a bind name the ways AD does: DN,
// userPrincipalName, or DOMAIN\sAMAccountName.
func (d *Directory) findBindUser(name string) *User {
	if name == "" {
		return nil
	}
	pdn, dnErr := ldap.ParseDN(name)
	_, sam, downLevel := strings.Cut(name, `\`)
	for _, e := range d.tree.entries {
		u := e.user
		switch {
		case u == nil:
		case dnErr == nil && strings.Contains(name, "=") && e.pdn.EqualFold(pdn):
			return u
		case u.UPN != "" && strings.EqualFold(u.UPN, name):
			return u
		case downLevel && u.SAMAccountName != "" && strings.EqualFold(u.SAMAccountName, sam):
			return u
		}
	}
	return nil
}

func (d *Directory) handleSearch(w *gldap.ResponseWriter, r *gldap.Request) {
	d.searches.Add(1)
	done := r.NewSearchDoneResponse(gldap.WithResponseCode(gldap.ResultSuccess))
	defer func() { _ = w.Write(done) }()

	m, err := r.GetSearchMessage()
	if err != nil {
		done.SetResultCode(gldap.ResultProtocolError)
		return
	}
	filter := m.Filter
	d.lastFilter.Store(&filter)
	d.log.Debug("ldaptest: search", "conn", r.ConnectionID(), "base", m.BaseDN, "scope", int(m.Scope), "filter", filter)

	st := d.state(r.ConnectionID())
	switch {
	case !st.tls:
		done.SetResultCode(gldap.ResultConfidentialityRequired)
		done.SetDiagnosticMessage(diagNeedsTLS)
		return
	case m.BaseDN == "" && m.Scope == gldap.BaseObject:
		d.writeRootDSE(w, r, m)
		return
	case st.identity == "":
		done.SetResultCode(gldap.ResultInsufficientAccessRights)
		done.SetDiagnosticMessage(diagNeedsBind)
		return
	}

	if containsFold(m.Attributes, "tokenGroups") && m.Scope != gldap.BaseObject {
		done.SetResultCode(gldap.ResultOperationsError)
		done.SetDiagnosticMessage(diagTokenGroupsScope)
		return
	}
	f, err := compileFilter(filter)
	if err != nil {
		done.SetResultCode(gldap.ResultUnwillingToPerform)
		done.SetDiagnosticMessage("ldaptest: bad filter: " + err.Error())
		return
	}
	base, err := ldap.ParseDN(m.BaseDN)
	if err != nil {
		done.SetResultCode(gldap.ResultInvalidDNSyntax)
		return
	}
	if !d.baseDN.EqualFold(base) && !d.baseDN.AncestorOfFold(base) {
		done.SetResultCode(gldap.ResultNoSuchObject)
		done.SetDiagnosticMessage(fmt.Sprintf(diagNoSuchObj, ""))
		return
	}

	sent := int64(0)
	for _, e := range d.tree.entries {
		if !inScope(base, e.pdn, m.Scope) || !matches(f, e, d.tree) {
			continue
		}
		if m.SizeLimit > 0 && sent >= m.SizeLimit {
			done.SetResultCode(gldap.ResultSizeLimitExceeded)
			return
		}
		if err := w.Write(d.searchEntry(r, e, m.Attributes)); err != nil {
			done.SetResultCode(gldap.ResultOther)
			return
		}
		sent++
	}
}

func inScope(base, dn *ldap.DN, scope gldap.Scope) bool {
	switch scope {
	case gldap.BaseObject:
		return base.EqualFold(dn)
	case gldap.SingleLevel:
		return len(dn.RDNs) == len(base.RDNs)+1 && base.AncestorOfFold(dn)
	default:
		return base.EqualFold(dn) || base.AncestorOfFold(dn)
	}
}

// searchEntry renders e with the requested attributes: none listed or "*"
// means all stored ones, "1.1" means none. The constructed tokenGroups is
// returned only when named (handleSearch allows that for base-object
// searches only, as AD does).
func (d *Directory) searchEntry(r *gldap.Request, e *entry, requested []string) *gldap.SearchResponseEntry {
	all := len(requested) == 0
	for _, a := range requested {
		if a == "*" {
			all = true
		}
	}
	resp := r.NewSearchResponseEntry(e.dn)
	for _, a := range e.attrs {
		if all || containsFold(requested, a.name) {
			resp.AddAttribute(a.name, a.values)
		}
	}
	if e.tokenGroups != nil && containsFold(requested, "tokenGroups") && !d.cfg.HideTokenGroups {
		values := make([]string, len(e.tokenGroups))
		for i, s := range e.tokenGroups {
			values[i] = string(s)
		}
		resp.AddAttribute("tokenGroups", values)
	}
	return resp
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// writeRootDSE answers the RootDSE read, which AD allows anonymously.
func (d *Directory) writeRootDSE(w *gldap.ResponseWriter, r *gldap.Request, m *gldap.SearchMessage) {
	e := &entry{attrs: []attribute{
		{name: "defaultNamingContext", values: []string{d.cfg.BaseDN}},
		{name: "namingContexts", values: []string{d.cfg.BaseDN}},
		{name: "supportedLDAPVersion", values: []string{"3"}},
		{name: "supportedExtension", values: []string{string(gldap.ExtendedOperationStartTLS)}},
		{name: "supportedSASLMechanisms", values: []string{}},
		{name: "vendorName", values: []string{"fedgate ldaptest"}},
	}}
	_ = w.Write(d.searchEntry(r, e, m.Attributes))
}

func (d *Directory) handleStartTLS(w *gldap.ResponseWriter, r *gldap.Request) {
	id := r.ConnectionID()
	resp := r.NewExtendedResponse(gldap.WithResponseCode(gldap.ResultSuccess))
	resp.SetResponseName(gldap.ExtendedOperationStartTLS)
	if d.state(id).tls {
		resp.SetResultCode(gldap.ResultOperationsError)
		resp.SetDiagnosticMessage(diagTLSActive)
		_ = w.Write(resp)
		return
	}
	if err := w.Write(resp); err != nil {
		return
	}
	if err := r.StartTLS(d.tls); err != nil {
		d.log.Debug("ldaptest: StartTLS handshake failed", "conn", id, "err", err)
		return
	}
	d.mu.Lock()
	d.sessionLocked(id).tls = true
	d.mu.Unlock()
}

func (d *Directory) handleUnsupported(w *gldap.ResponseWriter, r *gldap.Request) {
	_ = w.Write(r.NewResponse(
		gldap.WithResponseCode(gldap.ResultUnwillingToPerform),
		gldap.WithDiagnosticMessage(diagUnsupported),
	))
}
