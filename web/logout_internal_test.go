package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/web/session"
)

func TestSessionParty_ReadsTheEarlierCookieFormat(t *testing.T) {
	var sess ssoSession
	if err := json.Unmarshal([]byte(`{"u":{"id":"x","upn":"a@b"},"a":"2026-01-01T00:00:00Z","e":"2026-01-01T08:00:00Z","p":["urn:federation:MicrosoftOnline",{"i":"sp","n":"nid","f":"p","s":"_si"}]}`), &sess); err != nil {
		t.Fatal(err)
	}
	want := []sessionParty{{ID: "urn:federation:MicrosoftOnline"}, {ID: "sp", NameID: "nid", Format: "p", SessionIndex: "_si"}}
	if fmt.Sprint(sess.Audience) != fmt.Sprint(want) {
		t.Fatalf("Audience = %+v, want %+v", sess.Audience, want)
	}
	if expandFormat("p") != samlp.NameIDFormatPersistent || expandFormat("urn:x") != "urn:x" || compactFormat(samlp.NameIDFormatEmailAddress) != "e" {
		t.Error("format codes do not round-trip")
	}
}

func TestSession_RecordReplacesAndDropsTheOldest(t *testing.T) {
	var sess ssoSession
	for i := range maxSessionParties {
		sess.record(sessionParty{ID: fmt.Sprint("p", i)})
	}
	sess.record(sessionParty{ID: "p3", NameID: "again"})
	if len(sess.Audience) != maxSessionParties || sess.party("p3").NameID != "again" || sess.Audience[3].ID != "p3" {
		t.Fatalf("replacing a record changed the list: %+v", sess.Audience)
	}
	sess.record(sessionParty{ID: "new"})
	if len(sess.Audience) != maxSessionParties || sess.party("p0") != nil || sess.Audience[maxSessionParties-1].ID != "new" {
		t.Fatalf("a full session did not drop its oldest party: %+v", sess.Audience)
	}
}

func TestWriteSession_StaysUnderTheCookieLimit(t *testing.T) {
	sealer, err := session.NewSealer(bytes.Repeat([]byte{1}, session.KeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s := &Server{sealer: sealer, cookie: "fedgate_session", log: slog.New(slog.NewJSONHandler(&logs, nil)),
		now: func() time.Time { return time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC) }}
	sess := &ssoSession{User: sessionUser{ID: "id", UPN: "alice@contoso.com"}, Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i := range maxSessionParties {
		sess.record(sessionParty{ID: fmt.Sprintf("https://sp%02d.example.test/%s", i, strings.Repeat("x", 150)), NameID: strings.Repeat("n", 40), Format: "p", SessionIndex: "_0123456789abcdefghij"})
	}
	tests := []struct {
		name     string
		ending   bool
		wantDrop bool
	}{
		{name: "live session drops the oldest", wantDrop: true},
		{name: "ending session keeps every party", ending: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *sess
			c.Audience = append([]sessionParty(nil), sess.Audience...)
			c.Ending = tt.ending
			w := httptest.NewRecorder()
			if err := s.writeSession(w, &c); err != nil {
				t.Fatal(err)
			}
			cookie := w.Result().Cookies()[0]
			dropped := len(c.Audience) < maxSessionParties
			if dropped != tt.wantDrop || (tt.wantDrop && (len(cookie.Value) > maxSessionCookieBytes || c.Audience[len(c.Audience)-1].ID != sess.Audience[maxSessionParties-1].ID)) {
				t.Fatalf("kept %d parties in %d bytes", len(c.Audience), len(cookie.Value))
			}
		})
	}
	if !strings.Contains(logs.String(), "session cookie full") {
		t.Error("dropping parties was not logged")
	}
}

func TestLogoutMismatch(t *testing.T) {
	sp := &samlp.ServiceProvider{EntityID: "https://sp.example.test"}
	sess := &ssoSession{Audience: []sessionParty{{ID: sp.EntityID, NameID: "alice", Format: "p", SessionIndex: "_si"}, {ID: "urn:wsfed"}}}
	req := func(mut func(*samlp.LogoutRequest)) *samlp.LogoutRequest {
		r := &samlp.LogoutRequest{SP: sp, Signed: true, NameID: "alice", NameIDFormat: samlp.NameIDFormatPersistent, SessionIndexes: []string{"_si"}}
		if mut != nil {
			mut(r)
		}
		return r
	}
	tests := []struct {
		name string
		sess *ssoSession
		req  *samlp.LogoutRequest
		want string
	}{
		{"match", sess, req(nil), ""},
		{"signed, no SessionIndex", sess, req(func(r *samlp.LogoutRequest) { r.SessionIndexes = nil }), ""},
		{"unspecified format", sess, req(func(r *samlp.LogoutRequest) { r.NameIDFormat = samlp.NameIDFormatUnspecified }), ""},
		{"one of several indexes", sess, req(func(r *samlp.LogoutRequest) { r.SessionIndexes = []string{"_old", "_si"} }), ""},
		{"unsigned with SessionIndex", sess, req(func(r *samlp.LogoutRequest) { r.Signed = false }), ""},
		{"no session", nil, req(nil), "no_session"},
		{"SP not in session", &ssoSession{}, req(nil), "sp_not_in_session"},
		{"other NameID", sess, req(func(r *samlp.LogoutRequest) { r.NameID = "bob" }), "nameid_mismatch"},
		{"other format", sess, req(func(r *samlp.LogoutRequest) { r.NameIDFormat = samlp.NameIDFormatEmailAddress }), "nameid_format_mismatch"},
		{"other SessionIndex", sess, req(func(r *samlp.LogoutRequest) { r.SessionIndexes = []string{"_x"} }), "session_index_mismatch"},
		{"unsigned without SessionIndex", sess, req(func(r *samlp.LogoutRequest) { r.Signed, r.SessionIndexes = false, nil }), ""},
		{"WS-Fed record has no NameID", sess, req(func(r *samlp.LogoutRequest) { r.SP = &samlp.ServiceProvider{EntityID: "urn:wsfed"} }), "nameid_mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logoutMismatch(tt.sess, tt.sess != nil, tt.req); got != tt.want {
				t.Fatalf("logoutMismatch = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPolicyWith(t *testing.T) {
	tests := []struct {
		name          string
		forms, frames []string
		want          string
	}{
		{"unchanged", nil, nil, contentSecurityPolicy},
		{"relative form action", []string{"/adfs/ls/"}, nil, contentSecurityPolicy},
		{"form origin", []string{"https://sp.example.test/slo?x=1"}, nil, strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' https://sp.example.test", 1)},
		{"frames deduplicated", nil, []string{"https://a.test/1?wa=x", "https://a.test:8443/2", "https://a.test/3"}, contentSecurityPolicy + "; frame-src https://a.test https://a.test:8443"},
		{"odd URLs left out", []string{"javascript:alert(1)", "data:text/html,x"}, []string{"https://a.test;script-src *"}, contentSecurityPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policyWith(tt.forms, tt.frames); got != tt.want {
				t.Fatalf("policyWith = %q\nwant %q", got, tt.want)
			}
		})
	}
}
