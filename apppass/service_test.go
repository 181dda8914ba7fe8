package apppass

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// fastParams keep tests quick; the format and code paths are the same.
var fastParams = Params{Memory: 8, Time: 1, Threads: 1}

func newService(t *testing.T, st Store, mod ...func(*Config)) (*Service, *time.Time) {
	t.Helper()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	cfg := Config{Store: st, Params: fastParams, Now: func() time.Time { return now }}
	for _, f := range mod {
		f(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, &now
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no store", Config{}, "Store is required"},
		{"bad params", Config{Store: &memStore{}, Params: Params{Memory: 1, Time: 1, Threads: 1}}, "memory"},
		{"zero threads", Config{Store: &memStore{}, Params: Params{Memory: 64, Time: 1}}, "threads"},
		{"max too big", Config{Store: &memStore{}, MaxPerUser: 51}, "MaxPerUser"},
		{"max negative", Config{Store: &memStore{}, MaxPerUser: -1}, "MaxPerUser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want error containing %q", err, tt.want)
			}
		})
	}
	s, err := New(Config{Store: &memStore{}})
	if err != nil || s.cfg.Params != DefaultParams || s.MaxPerUser() != DefaultMaxPerUser {
		t.Fatalf("defaults: %v %+v %d", err, s.cfg.Params, s.MaxPerUser())
	}
}

func TestCreateFormatAndHash(t *testing.T) {
	st := &memStore{}
	s, now := newService(t, st, func(c *Config) { c.Params = DefaultParams })
	c, err := s.Create(t.Context(), "u1", "  Outlook laptop ")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if len(c.Password) != Len+Groups-1 {
		t.Fatalf("password length %d", len(c.Password))
	}
	for i, ch := range c.Password {
		if (i+1)%(GroupLen+1) == 0 {
			if ch != '-' {
				t.Fatalf("char %d = %q, want dash", i, ch)
			}
			continue
		}
		if !strings.ContainsRune(Alphabet, ch) {
			t.Fatalf("char %q not in alphabet", ch)
		}
	}
	if c.Name != "Outlook laptop" || !c.CreatedAt.Equal(*now) || !c.LastUsedAt.IsZero() || len(c.ID) != 32 {
		t.Fatalf("info = %+v", c.Info)
	}
	rec := st.recs[0]
	if strings.Contains(rec.Hash, c.Password) || !strings.HasPrefix(rec.Hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored hash %q", rec.Hash)
	}
	h, err := parseHash(rec.Hash)
	if err != nil || h.params != DefaultParams || len(h.salt) != saltLen || len(h.hash) != keyLen {
		t.Fatalf("parseHash = %+v, %v", h, err)
	}
	// A second password gets a different salt.
	c2, err := s.Create(t.Context(), "u1", "phone")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Password == c.Password || strings.Split(st.recs[1].Hash, "$")[4] == strings.Split(rec.Hash, "$")[4] {
		t.Fatal("password or salt reused")
	}
}

func TestVerify(t *testing.T) {
	st := &memStore{}
	s, now := newService(t, st)
	a, err := s.Create(t.Context(), "u1", "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(t.Context(), "u1", "b")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Create(t.Context(), "u2", "x")
	if err != nil {
		t.Fatal(err)
	}
	typed := strings.ToUpper(strings.ReplaceAll(b.Password, "-", " "))
	tests := []struct {
		name, user, password string
		want                 bool
	}{
		{"first", "u1", a.Password, true},
		{"second", "u1", b.Password, true},
		{"typed with spaces and upper case", "u1", typed, true},
		{"no dashes", "u1", strings.ReplaceAll(a.Password, "-", ""), true},
		{"wrong password", "u1", strings.Repeat("a", Len), false},
		{"other user's password", "u1", other.Password, false},
		{"directory password shape", "u1", "Passw0rd!", false},
		{"empty", "u1", "", false},
		{"too long", "u1", a.Password + "a", false},
		{"empty user", "", a.Password, false},
		{"user without passwords", "u3", a.Password, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := s.Verify(t.Context(), tt.user, tt.password)
			if err != nil || ok != tt.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tt.want)
			}
		})
	}
	// Last use is recorded on success only, on the matching record.
	*now = now.Add(time.Hour)
	if ok, _ := s.Verify(t.Context(), "u1", b.Password); !ok {
		t.Fatal("Verify b failed")
	}
	list, err := s.List(t.Context(), "u1")
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if !list[1].LastUsedAt.Equal(*now) || list[0].LastUsedAt.Equal(*now) {
		t.Fatalf("last used = %v / %v", list[0].LastUsedAt, list[1].LastUsedAt)
	}
}

func TestVerifyHashesEveryRecord(t *testing.T) {
	st := &memStore{}
	s, _ := newService(t, st)
	var first string
	for i := range 4 {
		c, err := s.Create(t.Context(), "u1", fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = c.Password
		}
	}
	count := 0
	s.onHash = func() { count++ }
	tests := []struct {
		name, user, password string
		want                 int
	}{
		{"match on first still hashes all", "u1", first, 4},
		{"no match hashes all", "u1", strings.Repeat("b", Len), 4},
		{"no records hashes a dummy", "nobody", first, 1},
		{"malformed is not hashed", "u1", "short", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			count = 0
			if _, err := s.Verify(t.Context(), tt.user, tt.password); err != nil {
				t.Fatal(err)
			}
			if count != tt.want {
				t.Fatalf("hashed %d times, want %d", count, tt.want)
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	st := &memStore{}
	s, _ := newService(t, st)
	c, err := s.Create(t.Context(), "u1", "a")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Revoke(t.Context(), "u2", c.ID); err != nil || ok {
		t.Fatalf("Revoke by other user = %v, %v", ok, err)
	}
	if ok, err := s.Revoke(t.Context(), "u1", "short"); err != nil || ok {
		t.Fatalf("Revoke bad id = %v, %v", ok, err)
	}
	if ok, err := s.Revoke(t.Context(), "u1", c.ID); err != nil || !ok {
		t.Fatalf("Revoke = %v, %v", ok, err)
	}
	if ok, err := s.Verify(t.Context(), "u1", c.Password); err != nil || ok {
		t.Fatalf("Verify after revoke = %v, %v", ok, err)
	}
	if ok, err := s.Revoke(t.Context(), "u1", c.ID); err != nil || ok {
		t.Fatalf("second Revoke = %v, %v", ok, err)
	}
}

func TestMaxPerUser(t *testing.T) {
	st := &memStore{}
	s, _ := newService(t, st, func(c *Config) { c.MaxPerUser = 2 })
	for i := range 2 {
		if _, err := s.Create(t.Context(), "u1", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(t.Context(), "u1", "third"); !errors.Is(err, ErrLimit) {
		t.Fatalf("third Create = %v, want ErrLimit", err)
	}
	if _, err := s.Create(t.Context(), "u2", "other user"); err != nil {
		t.Fatalf("other user: %v", err)
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	s, _ := newService(t, &memStore{})
	tests := []struct{ name, user, label string }{
		{"empty name", "u", " "},
		{"long name", "u", strings.Repeat("n", MaxNameLen+1)},
		{"control char", "u", "a\nb"},
		{"invalid utf8", "u", "\xff"},
		{"empty user", "", "n"},
		{"NUL user", "a\x00", "n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Create(t.Context(), tt.user, tt.label); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Create = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestStoreErrorsAreWrapped(t *testing.T) {
	boom := errors.New("db down")
	s, _ := newService(t, &memStore{fail: boom})
	if _, err := s.Create(t.Context(), "u", "n"); !errors.Is(err, boom) {
		t.Fatalf("Create = %v", err)
	}
	if _, err := s.Verify(t.Context(), "u", strings.Repeat("a", Len)); !errors.Is(err, boom) {
		t.Fatalf("Verify = %v", err)
	}
}

func TestSecretsStayOutOfLogs(t *testing.T) {
	var buf bytes.Buffer
	st := &memStore{}
	s, _ := newService(t, st, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c, err := s.Create(t.Context(), "u1", "n")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Verify(t.Context(), "u1", c.Password); !ok {
		t.Fatal("Verify failed")
	}
	s.cfg.Logger.Info("created", slog.Any("c", *c))
	out := buf.String() + fmt.Sprintf("%v %+v %s", *c, *c, *c)
	if strings.Contains(out, c.Password) || strings.Contains(out, strings.Split(st.recs[0].Hash, "$")[5]) {
		t.Fatalf("secret in output: %s", out)
	}
}

func TestGenerateUniform(t *testing.T) {
	// Rejected bytes (>= 248) are skipped, not folded into the alphabet.
	src := bytes.NewReader(append(bytes.Repeat([]byte{255}, 64), bytes.Repeat([]byte{0}, 64)...))
	p, err := generate(src)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("2222-", Groups-1) + "2222"; p != want {
		t.Fatalf("generate = %q, want %q", p, want)
	}
	if _, err := generate(bytes.NewReader(nil)); err == nil {
		t.Fatal("generate with empty source succeeded")
	}
}
