package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by Start.
const (
	EnvDSN = "FEDGATE_PG_DSN" // use this server instead of starting one
	EnvBin = "FEDGATE_PG_BIN" // directory holding initdb and pg_ctl
	EnvCI  = "CI"             // "true": failing to get a server fails the test
)

const commandTimeout = 60 * time.Second

// Server is a PostgreSQL server reachable for the duration of a test.
type Server struct {
	// DSN connects to the server's maintenance database as a superuser (or
	// whatever FEDGATE_PG_DSN grants).
	DSN string
}

// Start returns the server named by FEDGATE_PG_DSN or starts a throwaway
// cluster that is stopped and deleted when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return &Server{DSN: dsn}
	}
	bin, err := findBin()
	if err != nil {
		unavailable(t, err.Error())
	}
	runAs, err := runner()
	if err != nil {
		unavailable(t, err.Error())
	}
	dir, err := os.MkdirTemp("", "fedgate-pg-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := runAs.own(dir); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	data := filepath.Join(dir, "data")
	logFile := filepath.Join(dir, "postgres.log")
	if out, err := runAs.run(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	var port int
	for attempt := 0; ; attempt++ {
		port, err = freePort()
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c full_page_writes=off -c synchronous_commit=off", port, dir)
		out, err := runAs.run(filepath.Join(bin, "pg_ctl"), "-D", data, "-l", logFile, "-o", opts, "-w", "-t", "30", "start")
		if err == nil {
			break
		}
		if attempt == 2 { // the free port may have been taken meanwhile
			log, _ := os.ReadFile(logFile)
			t.Fatalf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, tail(log, 2000))
		}
	}
	t.Cleanup(func() {
		if out, err := runAs.run(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
		}
	})
	return &Server{DSN: fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", port)}
}

// NewSchema creates an empty schema, returns a DSN whose search_path selects
// it, and drops the schema when t ends.
func (s *Server) NewSchema(t testing.TB) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	schema := "t_" + hex.EncodeToString(b[:])
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		defer cancel()
		conn, err := pgx.Connect(ctx, s.DSN)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema: %v", err)
		}
	})
	dsn, err := withSearchPath(s.DSN, schema)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// withSearchPath adds search_path to a URL or key=value DSN.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s is not a valid URL", EnvDSN)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

func unavailable(t testing.TB, reason string) {
	t.Helper()
	msg := "pgtest: no PostgreSQL available: " + reason + "; set " + EnvDSN + " to a server, or install the server binaries"
	if os.Getenv(EnvCI) == "true" {
		t.Fatal(msg + " (" + EnvCI + "=true: not skipping)")
	}
	t.Skip(msg)
}

func findBin() (string, error) {
	has := func(dir string) bool {
		for _, f := range []string{"initdb", "pg_ctl"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv(EnvBin); dir != "" {
		if !has(dir) {
			return "", fmt.Errorf("%s=%s has no initdb and pg_ctl", EnvBin, dir)
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("initdb and pg_ctl not found in %s, /usr/lib/postgresql/*/bin or PATH", EnvBin)
}

// version extracts N from /usr/lib/postgresql/N/bin.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
