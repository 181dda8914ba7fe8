// Command bindratio prints, for the in-process ldaptest directory and (when
// FEDGATE_AD_ENV names the Samba lab's env file) the Samba AD DC, pooled
// sign-ins per second next to raw go-ldap binds per second against the
// same directory in the same run, their ratio (goal >= 0.8 against a real
// DC), and what a dial per bind costs instead of the pool:
//
//	go run ./ldapauth/internal/bindratio -benchtime 2s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/fedgate/fedgate/ldapauth/internal/bindbench"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bindratio", flag.ContinueOnError)
	fs.SetOutput(stderr)
	benchtime := fs.Duration("benchtime", 2*time.Second, "minimum time per measurement")
	rounds := fs.Int("rounds", 2, "alternating rounds of each measurement; the best of each is reported")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	testing.Init()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}

	d, err := ldaptest.Start(ldaptest.Config{Users: ldaptest.Contoso()})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer d.Close()
	targets := []bindbench.Target{bindbench.LdaptestTarget(d)}

	env, ok, err := bindbench.SambaFromEnv()
	switch {
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 1
	case ok:
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		t, err := bindbench.SambaTarget(ctx, env)
		cancel()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		targets = append(targets, t)
	default:
		fmt.Fprintln(stderr, "bindratio: FEDGATE_AD_ENV not set: measuring ldaptest only (start the lab with deploy/samba-ad-lab.sh)")
	}

	var results []bindbench.Result
	for _, t := range targets {
		r, err := bindbench.Measure(t, *rounds)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		results = append(results, r)
	}
	if err := bindbench.Write(stdout, results); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
