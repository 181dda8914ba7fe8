package wstrust

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/ldapauth"
)

// AuthnMethodPassword is the SAML 1.1 AuthenticationMethod of tokens
// issued here (SAML 1.1 core §7.1, as AD FS writes it for usernamemixed).
const AuthnMethodPassword = "urn:oasis:names:tc:SAML:1.0:am:password"

// ReplayKind is the UseOnce kind under which message IDs are recorded.
const ReplayKind = "wstrust_msgid"

// auditProtocol is the AuditEvent.Protocol of every event written here.
const auditProtocol = "wstrust"

// uacAccountDisable is the ACCOUNTDISABLE bit of userAccountControl.
const uacAccountDisable = 0x2

// issue runs one request through the checks, in this order:
//
//	transport + envelope → AppliesTo is a WS-Fed party → Timestamp window
//	→ message ID single-use → credentials (lockout, app password or bind)
//	→ the party's access rules
//	→ MFA enrollment + legacy-client policy → token → response
//
// req is returned whenever the envelope parsed, so a fault can relate to
// its message ID.
func (h *Handler) issue(w http.ResponseWriter, c *call) (resp []byte, req *Request, err error) {
	body, err := h.readEnvelope(w, c)
	if err != nil {
		return nil, nil, err
	}
	req, err = ParseEnvelope(body, c.v)
	if err != nil {
		return nil, nil, err
	}
	party, err := h.cfg.Parties.Lookup(req.AppliesTo)
	if err != nil || party.Protocol != rp.WSFed {
		return nil, req, invalidRequest(c.v, "The AppliesTo address is not a WS-Federation relying party of this service.",
			fmt.Errorf("wstrust: applies to %q: %w", clip(req.AppliesTo), errOr(err, errors.New("not a WS-Fed party"))))
	}

	now := h.cfg.Now()
	if f := checkTimestamp(req.Created, req.Expires, now, h.cfg.ClockSkew, h.cfg.MaxMessageAge); f != nil {
		h.audit(c, party, req.Username, "failure", "message_expired")
		return nil, req, f
	}
	// WS-Addressing MessageIDs are unique per message; a second use within
	// the Timestamp window is a replay. Kept until Expires + skew, after
	// which the Timestamp check refuses the message anyway.
	first, err := h.cfg.Replay.UseOnce(c.ctx(), ReplayKind, req.MessageID, req.Expires.Add(h.cfg.ClockSkew))
	if err != nil {
		h.audit(c, party, req.Username, "error", "replay_store_unavailable")
		return nil, req, unavailable(c.v, fmt.Errorf("wstrust: message ID check: %w", err))
	}
	if !first {
		h.audit(c, party, req.Username, "failure", "replayed")
		return nil, req, securityFault(SubInvalidSecurity, "The message ID has been used before; send every request with a new MessageID.",
			errors.New("wstrust: replayed message ID"))
	}

	policy := h.cfg.Policy(party)
	user, usedApp, err := h.verify(c, party, req, policy)
	if err != nil {
		return nil, req, err
	}
	// The party's issuance authorization (group-based access), from the
	// groups the directory returned with the user. The password was right,
	// so this never counts towards lockout.
	if d := party.Access.Decide(claims.NewSubject(user)); !d.Permit {
		h.failed(c, party, user.UPN, "access_denied")
		return nil, req, accessDenied(c.v, fmt.Errorf("wstrust: access rules of %q refuse the user: %s", party.Name, d.Reason))
	}
	enrolled, err := h.cfg.MFA.Enrolled(c.ctx(), user.ImmutableID)
	if err != nil {
		h.audit(c, party, user.UPN, "error", "mfa_unavailable")
		return nil, req, unavailable(c.v, fmt.Errorf("wstrust: MFA enrollment lookup: %w", err))
	}
	inside := h.cfg.Inside(c.r)
	if allow, why := decide(enrolled, policy, inside, usedApp); !allow {
		h.failed(c, party, user.UPN, "legacy_policy:"+why)
		return nil, req, accessDenied(c.v, fmt.Errorf("wstrust: legacy policy %s: %s", policy, why))
	}

	tc := o365.Claims(o365.SignIn{
		ImmutableID: user.ImmutableID, UPN: user.UPN, AuthnInstant: now,
		MFA: false, InsideCorporateNetwork: inside,
	})
	tc.AuthnMethod = AuthnMethodPassword
	assertion, err := h.cfg.Tokens.SAML11(tc, req.AppliesTo)
	if err != nil {
		h.audit(c, party, user.UPN, "error", "token_issue_failed")
		return nil, req, unavailable(c.v, fmt.Errorf("wstrust: issue token for %q: %w", party.Name, err))
	}
	resp, err = buildResponse(c.v, assertion, req.AppliesTo, req.MessageID, now)
	if err != nil {
		h.audit(c, party, user.UPN, "error", "token_issue_failed")
		return nil, req, unavailable(c.v, err)
	}
	reason := ""
	if usedApp {
		reason = "app_password"
	}
	h.audit(c, party, user.UPN, "success", reason)
	h.log.LogAttrs(c.ctx(), slog.LevelInfo, "token issued", slog.String("activity_id", c.activity),
		slog.String("rp", party.Name), slog.String("version", c.v.String()), slog.String("assertion_id", assertion.ID),
		slog.Bool("app_password", usedApp), slog.Bool("inside", inside), slog.Bool("mfa_enrolled", enrolled))
	return resp, req, nil
}

// verify establishes who the user is: extranet lockout first (no domain
// controller is asked while locked out), then the app password where the
// party's policy accepts one, then the directory bind. Every credential
// failure is the same FailedAuthentication fault; outages are Receiver
// faults and never count against the user.
func (h *Handler) verify(c *call, party *rp.Party, req *Request, policy LegacyPolicy) (*ldapauth.User, bool, error) {
	username, password := req.Username, req.Password.Reveal()
	if username == "" || len(username) > MaxCredentialBytes {
		h.failed(c, party, username, ldapauth.ReasonNoSuchUser.String())
		return nil, false, accessDenied(c.v, errors.New("wstrust: empty or over-long user name"))
	}
	if strings.Trim(password, "\x00") == "" || len(password) > MaxCredentialBytes {
		h.failed(c, party, username, ldapauth.ReasonEmptyPassword.String())
		return nil, false, accessDenied(c.v, errors.New("wstrust: empty or over-long password"))
	}
	// Extranet lockout, audited as on the passive path: a refusal is a
	// failure with the lockout reason, a log-only "would refuse" is
	// result lockout_log_only, an error is result error and fails closed.
	// Whether the request is subject to it at all is the policy's call,
	// made from the proxy-trust origin on the request's context: with
	// extranet_lockout.intranet skip an intranet attempt is allowed
	// unchecked and uncounted, the same rule as on the passive path.
	d, err := h.lockoutCheck(c, username)
	if err != nil {
		reason := "lockout_error"
		if errors.Is(err, ldapauth.ErrUnavailable) {
			reason = ldapauth.ReasonUnavailable.String()
		}
		h.audit(c, party, username, "error", reason)
		return nil, false, unavailable(c.v, fmt.Errorf("wstrust: lockout check: %w", err))
	}
	switch {
	case !d.Allowed:
		h.failed(c, party, username, d.Reason)
		return nil, false, accessDenied(c.v, fmt.Errorf("wstrust: extranet lockout: %s", d.Reason))
	case d.Reason != "":
		h.audit(c, party, username, "lockout_log_only", d.Reason)
	}

	if policy == AppPassword && h.cfg.AppPasswords != nil {
		user, ok, err := h.checkAppPassword(c, username, password)
		if err != nil {
			h.lockoutDone(c, d, "release")
			h.audit(c, party, username, "error", "app_password_unavailable")
			return nil, false, unavailable(c.v, err)
		}
		if ok {
			h.lockoutDone(c, d, "success")
			return user, true, nil
		}
	}

	// Groups are read only when the party's access policy uses them.
	actx := c.ctx()
	if !party.NeedsGroups() {
		actx = ldapauth.WithoutGroups(actx)
	}
	user, err := h.cfg.Auth.Authenticate(actx, username, password)
	if err != nil {
		reason := ldapauth.ReasonUnknown
		var le *ldapauth.Error
		if errors.As(err, &le) {
			reason = le.Reason
		}
		// Only a wrong password stays counted; an outage, an unknown user
		// or an account AD refuses for another reason is refunded.
		if reason == ldapauth.ReasonBadPassword && errors.Is(err, ldapauth.ErrInvalidCredentials) {
			h.lockoutDone(c, d, "failure")
		} else {
			h.lockoutDone(c, d, "release")
		}
		if errors.Is(err, ldapauth.ErrInvalidCredentials) {
			h.failed(c, party, username, reason.String())
			return nil, false, accessDenied(c.v, fmt.Errorf("wstrust: authenticate: %w", err))
		}
		h.audit(c, party, username, "error", reason.String())
		return nil, false, unavailable(c.v, fmt.Errorf("wstrust: directory: %w", err))
	}
	h.lockoutDone(c, d, "success")
	if user.UPN == "" {
		user.UPN = username
	}
	return user, false, nil
}

// checkAppPassword resolves the user without a bind and checks password as
// one of their app passwords. ok=false (nil error) sends the attempt on to
// the directory bind: an unknown or disabled user, or a password that is
// not an app password, gets exactly the answer the bind gives.
func (h *Handler) checkAppPassword(c *call, username, password string) (*ldapauth.User, bool, error) {
	user, err := h.cfg.Users.Lookup(c.ctx(), username)
	if err != nil {
		if errors.Is(err, ldapauth.ErrInvalidCredentials) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("wstrust: app password: user lookup: %w", err)
	}
	if user.UserAccountControl&uacAccountDisable != 0 {
		return nil, false, nil
	}
	ok, err := h.cfg.AppPasswords.Verify(c.ctx(), user.ImmutableID, password)
	if err != nil {
		return nil, false, fmt.Errorf("wstrust: app password: verify: %w", err)
	}
	if !ok {
		return nil, false, nil
	}
	if user.UPN == "" {
		user.UPN = username
	}
	return user, true, nil
}

// lockoutCheck asks extranet lockout whether the attempt may proceed; with
// no Lockout configured every attempt may.
func (h *Handler) lockoutCheck(c *call, username string) (lockout.Decision, error) {
	if h.cfg.Lockout == nil {
		return lockout.Decision{Allowed: true}, nil
	}
	return h.cfg.Lockout.Check(c.ctx(), username, c.clientIP)
}

// lockoutDone reports the outcome of an allowed attempt. A failing report
// is logged; the answer to the client does not change.
func (h *Handler) lockoutDone(c *call, d lockout.Decision, outcome string) {
	lo := h.cfg.Lockout
	if lo == nil {
		return
	}
	var err error
	switch outcome {
	case "failure":
		err = lo.Failure(c.ctx(), d)
	case "success":
		err = lo.Success(c.ctx(), d)
	default:
		err = lo.Release(c.ctx(), d)
	}
	if err != nil {
		h.log.ErrorContext(c.ctx(), "lockout outcome not recorded", slog.String("activity_id", c.activity),
			slog.String("outcome", outcome), slog.Any("error", err))
	}
}

// failed logs and audits a refused sign-in. The user name is logged at
// Debug only (conventions G7).
func (h *Handler) failed(c *call, party *rp.Party, user, reason string) {
	h.log.LogAttrs(c.ctx(), slog.LevelInfo, "sign-in failed", slog.String("activity_id", c.activity),
		slog.String("rp", party.Name), slog.String("version", c.v.String()), slog.String("reason", reason))
	h.log.LogAttrs(c.ctx(), slog.LevelDebug, "sign-in failed user", slog.String("activity_id", c.activity), slog.String("user", user))
	h.audit(c, party, user, "failure", reason)
}

// audit records one event; a failing sink is logged, never surfaced.
func (h *Handler) audit(c *call, party *rp.Party, user, result, reason string) {
	if h.cfg.Audit == nil {
		return
	}
	e := store.AuditEvent{
		Time: h.cfg.Now().UTC(), User: clip(user), ClientIP: c.clientIP, RelyingParty: party.Identifiers[0],
		Protocol: auditProtocol, Result: result, Reason: reason, ActivityID: c.activity,
	}
	if err := h.cfg.Audit.RecordAudit(c.ctx(), e); err != nil {
		h.log.ErrorContext(c.ctx(), "audit write failed", slog.String("activity_id", c.activity), slog.Any("error", err))
	}
}

// clip bounds an untrusted string for logs and audit records.
func clip(s string) string {
	if len(s) > MaxCredentialBytes {
		s = s[:MaxCredentialBytes]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func errOr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
