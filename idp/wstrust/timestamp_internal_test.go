package wstrust

import (
	"testing"
	"time"
)

func TestCheckTimestamp_Window(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	const skew, maxAge = 5 * time.Minute, time.Hour
	tests := []struct {
		name             string
		created, expires time.Time
		want             string // subcode, "" = accepted
	}{
		{"MSAL: now to now+10m", now, now.Add(10 * time.Minute), ""},
		{"client clock 4m ahead", now.Add(4 * time.Minute), now.Add(14 * time.Minute), ""},
		{"created exactly now+skew", now.Add(skew), now.Add(skew + time.Minute), ""},
		{"created just past now+skew", now.Add(skew + time.Millisecond), now.Add(20 * time.Minute), SubMessageExpired},
		{"expired within skew", now.Add(-10 * time.Minute), now.Add(-4 * time.Minute), ""},
		{"expired exactly skew ago", now.Add(-10 * time.Minute), now.Add(-skew), SubMessageExpired},
		{"expired long ago", now.Add(-2 * time.Hour), now.Add(-time.Hour), SubMessageExpired},
		{"lifetime exactly maxAge", now.Add(-time.Minute), now.Add(maxAge - time.Minute), ""},
		{"lifetime over maxAge", now.Add(-time.Minute), now.Add(maxAge), SubMessageExpired},
		{"expires equals created", now, now, SubInvalidSecurity},
		{"expires before created", now, now.Add(-time.Minute), SubInvalidSecurity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := checkTimestamp(tt.created, tt.expires, now, skew, maxAge)
			got := ""
			if f != nil {
				got = f.Subcode.Local
				if f.Subcode.Space != NSSecExt || f.Code != Sender || f.Text == "" {
					t.Errorf("fault %+v is not a WS-Security sender fault with text", f)
				}
			}
			if got != tt.want {
				t.Errorf("checkTimestamp = %q, want %q", got, tt.want)
			}
		})
	}
}
