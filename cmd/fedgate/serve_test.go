package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/demo"
)

// startDemo starts the demo (its in-process directory serves the
// Microsoft security baseline's lockout policy: 10 bad passwords, reset
// after 15m) and appends extra to its generated configuration.
func startDemo(t *testing.T, extra string) *demo.Demo {
	t.Helper()
	d, err := demo.Start(t.Context(), demo.Options{Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	if extra != "" {
		f, err := os.OpenFile(d.ConfigPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("\n" + extra); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func checkConfig(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), append([]string{"check-config"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckConfig_LockoutPolicyThatFitsIsInformational(t *testing.T) {
	d := startDemo(t, "")
	for _, strict := range []bool{false, true} {
		args := []string{"--config", d.ConfigPath}
		if strict {
			args = append(args, "--strict")
		}
		code, out, errOut := checkConfig(t, args...)
		if code != 0 {
			t.Fatalf("strict=%v: exit %d: %s", strict, code, errOut)
		}
		for _, want := range []string{
			"AD lockout policy: 10 bad passwords lock an account for 15m; the count resets 15m after the last bad password\n",
			"info: extranet lockout fits AD's policy: 4 + 4 bad passwords stay below AD's threshold 10",
			"configuration OK",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("strict=%v: stdout lacks %q:\n%s", strict, want, out)
			}
		}
		if strings.Contains(out, "warning:") {
			t.Errorf("strict=%v: unexpected warning:\n%s", strict, out)
		}
	}
}

func TestCheckConfig_LockoutPolicyMismatchWarnsAndFailsOnlyWhenStrict(t *testing.T) {
	d := startDemo(t, "extranet_lockout:\n  threshold: 6\n  familiar_threshold: 5\n  observation_window: 20m\n")
	code, out, errOut := checkConfig(t, "--config", d.ConfigPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"warning: extranet_lockout.threshold + familiar_threshold = 6 + 5 = 11 is not below AD's account lockout threshold 10",
		"for example threshold: 4 and familiar_threshold: 4",
		"warning: extranet_lockout.observation_window 20m is less than twice AD's \"reset account lockout counter after\" (15m)",
		"set observation_window to at least 30m",
		"configuration OK",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = checkConfig(t, "--config", d.ConfigPath, "--strict")
	if code != 2 || !strings.Contains(errOut, "--strict: 2 extranet lockout warning(s)") || strings.Contains(out, "configuration OK") {
		t.Fatalf("--strict: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
}

func TestCheckConfig_UnreachableDirectoryIsNotedNotFatal(t *testing.T) {
	d := startDemo(t, "")
	if d.Directory == nil {
		t.Fatal("the demo runs without its in-process directory")
	}
	if err := d.Directory.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := checkConfig(t, "--config", d.ConfigPath)
	if code != 0 || !strings.Contains(out, "note: could not read AD's account lockout policy, so extranet_lockout was not compared with it") ||
		!strings.Contains(out, "configuration OK") {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	code, _, errOut = checkConfig(t, "--config", d.ConfigPath, "--strict")
	if code != 1 || !strings.Contains(errOut, "--strict: AD's lockout policy could not be read") {
		t.Fatalf("--strict: exit %d, stderr %s", code, errOut)
	}
}
