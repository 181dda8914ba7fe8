package msonline

import (
	"errors"
	"net/http"
	"time"

	"github.com/fedgate/fedgate/idp/o365"
)

// maxLoginSRFBody bounds the POST /login.srf form (512 KiB): room for an
// o365.MaxWResultSize wresult after URL encoding.
const maxLoginSRFBody = 512 << 10

// serveLoginSRF is Entra's token endpoint: it accepts the wresult only for a
// wctx this site issued, once, and only if the Checker accepts the token.
func (s *Site) serveLoginSRF(w http.ResponseWriter, r *http.Request) {
	form, status, msg := readForm(w, r, maxLoginSRFBody)
	if status != 0 {
		s.rejected(w, r, status, msg, nil)
		return
	}
	if form.Has("SAMLResponse") {
		s.serveSAMLResponse(w, r, form)
		return
	}
	wa, ok1 := single(form, "wa")
	wctx, ok2 := single(form, "wctx")
	wresult, ok3 := single(form, "wresult")
	switch {
	case !ok1 || !ok2 || !ok3:
		s.rejected(w, r, http.StatusBadRequest, "The form must carry exactly one each of wa, wctx and wresult.", nil)
		return
	case wa != "wsignin1.0":
		s.rejected(w, r, http.StatusBadRequest, "wa must be wsignin1.0 (MS-MWBF §2.2.4).", nil)
		return
	}
	// The wctx is consumed before the token is checked: a bad token burns it,
	// so a leaked wctx cannot be retried against.
	p, ok := s.pending.takeRequest(wctx, s.now())
	requested := p.login
	if !ok || p.requestID != "" {
		s.rejected(w, r, http.StatusBadRequest, "The wctx was not issued by this site, has expired or was already used. Start the sign-in again.", nil)
		return
	}
	res, err := s.checker.CheckWResult([]byte(wresult))
	if err != nil {
		reason := "The token could not be validated."
		var re *o365.RejectError
		if errors.As(err, &re) {
			reason = re.Reason
		}
		s.rejected(w, r, http.StatusBadRequest, reason, err)
		return
	}
	s.accepted(w, r, res, requested)
}

// accepted logs a sign-in and renders the #signed-in page.
func (s *Site) accepted(w http.ResponseWriter, r *http.Request, res *o365.Result, requested string) {
	ctx := r.Context()
	s.log.InfoContext(ctx, "msonline: sign-in accepted", "issuer", res.Issuer, "assertion_id", res.AssertionID, "mfa", res.MFA)
	s.log.DebugContext(ctx, "msonline: signed-in user", "user_upn", res.UPN, "requested_login", requested)
	s.render(w, r, http.StatusOK, "signedin", signedInData{Result: res, RequestedLogin: requested})
}

// rejected renders the #rejected page and logs the reason with an activity
// ID. Reasons never contain secrets: the checker only quotes identifiers.
func (s *Site) rejected(w http.ResponseWriter, r *http.Request, status int, reason string, err error) {
	id := s.activityID()
	attrs := []any{"activity_id", id, "status", status, "reason", reason}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	s.log.InfoContext(r.Context(), "msonline: sign-in rejected", attrs...)
	s.render(w, r, status, "rejected", rejectedData{Reason: reason, ActivityID: id, Time: s.now().UTC().Format(time.RFC3339)})
}

// single returns the only value of a form field.
func single(form map[string][]string, key string) (string, bool) {
	v := form[key]
	if len(v) != 1 {
		return "", false
	}
	return v[0], true
}
