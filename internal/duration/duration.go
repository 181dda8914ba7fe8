package duration

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as a string in the syntax of the
// package documentation. Negative values, bare numbers without a unit
// (other than 0) and values above 3650 days are refused. The zero value
// is 0s.
type Duration time.Duration

// maxText bounds the length of a duration string.
const maxText = 64

// maxDays bounds the day count, far above every range fedgate accepts,
// so that the multiplication cannot overflow.
const maxDays = 3650

// Hint is the "what is allowed" half of every parse error, for callers
// that report the problem and the remedy separately.
const Hint = "use a number with a unit, such as 90s, 5m, 8h or 1d"

// SyntaxError is a string that is not a duration.
type SyntaxError struct {
	// Problem names the value and what is wrong with it, for example
	// `"soon" is not a valid duration`; the value is cut to 64 bytes.
	Problem string
}

// Error returns Problem followed by Hint.
func (e *SyntaxError) Error() string { return e.Problem + "; " + Hint }

// Parse parses a duration in the syntax of the package documentation.
// Errors are *SyntaxError values.
func Parse(s string) (Duration, error) {
	d, err := parse(s)
	if err != nil {
		return 0, err
	}
	return d, nil
}

// parse is Parse with the concrete error type, so that a nil result never
// becomes a non-nil error interface.
func parse(s string) (Duration, *SyntaxError) {
	fail := func(problem string) (Duration, *SyntaxError) {
		if len(s) > maxText {
			s = s[:maxText] + "…"
		}
		return 0, &SyntaxError{Problem: fmt.Sprintf("%q %s", s, problem)}
	}
	switch {
	case s == "":
		return fail("is empty")
	case len(s) > maxText:
		return fail("is too long")
	case strings.HasPrefix(s, "-"):
		return fail("is negative (durations cannot be negative)")
	case s == "0":
		return 0, nil
	}
	rest := s
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 32)
		if err != nil || i == 0 {
			return fail("is not a valid duration (days must be a leading whole number, as in 1d12h)")
		}
		if n > maxDays {
			return fail(fmt.Sprintf("is too long (the maximum is %dd)", maxDays))
		}
		days = time.Duration(n) * 24 * time.Hour
		rest = s[i+1:]
		if rest == "" {
			return Duration(days), nil
		}
		if strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
			return fail("is not a valid duration")
		}
	}
	if _, err := strconv.ParseFloat(rest, 64); err == nil {
		return fail("has no unit")
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return fail("is not a valid duration")
	}
	if d < 0 {
		return fail("is negative (durations cannot be negative)")
	}
	total := days + d
	if total < days {
		return fail("is too long")
	}
	return Duration(total), nil
}

// Std returns the value as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats the duration in the shortest form Parse accepts:
// "7d", "1d12h", "1h30m", "90s" is "1m30s", zero is "0s".
func (d Duration) String() string {
	v := time.Duration(d)
	if v < 0 {
		return v.String()
	}
	const day = 24 * time.Hour
	var b strings.Builder
	if v >= day {
		b.WriteString(strconv.FormatInt(int64(v/day), 10))
		b.WriteByte('d')
		v %= day
		if v == 0 {
			return b.String()
		}
	}
	s := v.String()
	// time.Duration.String writes "1h0m0s" and "5m0s"; drop zero tails.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	b.WriteString(s)
	return b.String()
}

// UnmarshalYAML decodes a scalar in the syntax of the package
// documentation. Errors are *yaml.TypeError values carrying the line, so
// the decoder reports them together with every other type error.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a duration; %s", n.Line, Hint)}}
	}
	v, err := parse(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, err.Error())}}
	}
	*d = v
	return nil
}

// MarshalYAML encodes the duration as its String form.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText encodes the duration as its String form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes the syntax of the package documentation.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
