package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/rp/rpsync"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/internal/boundedfile"
)

const rpUsage = `Usage:
  fedgate rp add    [--config FILE] --metadata FILE|https://URL [--name NAME] [--mfa always|extranet_only|never]
                    [--definition FILE.yaml] [--replace] [--metadata-ca FILE] [--timeout 30s]
  fedgate rp add    [--config FILE] --definition FILE.yaml [--name NAME] [--mfa …] [--replace]
  fedgate rp list   [--config FILE] [--json]
  fedgate rp show   [--config FILE] [--full] NAME
  fedgate rp remove [--config FILE] NAME

Relying-party trusts come from two places. Those in fedgate.yaml (Office 365
and relying_parties) change only there, with a restart. Those added here
live in the store: every node picks up an add or remove within 15 seconds,
without a restart.

add imports a SAML 2.0 service provider from its metadata (a file, or an
https URL fetched once, at most 256 KiB, no redirect to another host) and
stores it with the metadata inlined. --definition adds a full relying-party
definition in YAML (WS-Federation parties, claim rules, access rules); with
--metadata the metadata is added to it. The name defaults to the metadata's
organization display name, else its entity ID. A party is stored only after
it validates, and never with an identifier another party already uses.
list prints every party with its source; show prints one as YAML (metadata
summarised: entity ID, endpoints, certificates; --full prints the XML);
remove deletes a stored party.
`

// rpArgs are the parsed flags of `fedgate rp`.
type rpArgs struct {
	verb       string
	configPath string
	name       string // add --name, or the show/remove argument
	metadata   string
	definition string
	mfa        string
	replace    bool
	caFile     string
	timeout    time.Duration
	json       bool
	full       bool
}

func runRP(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return rpCommand(ctx, args, stdout, stderr, time.Now)
}

// rpCommand is runRP with the clock that stamps stored records and judges
// certificate expiry in `rp show`.
func rpCommand(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	a, ok := parseRPArgs(args, stderr)
	if !ok {
		return 2
	}
	env, code := openRPEnv(ctx, a.configPath, stderr, now)
	if env == nil {
		return code
	}
	defer env.st.Close()
	var err error
	switch a.verb {
	case "add":
		err = env.add(ctx, a, stdout)
	case "list":
		err = env.list(ctx, a.json, stdout, stderr)
	case "show":
		err = env.show(ctx, a.name, a.full, stdout)
	case "remove":
		err = env.remove(ctx, a.name, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "fedgate rp %s: %v\n", a.verb, err)
		return 1
	}
	return 0
}

func parseRPArgs(args []string, stderr io.Writer) (rpArgs, bool) {
	var a rpArgs
	if len(args) == 0 {
		fmt.Fprint(stderr, rpUsage)
		return a, false
	}
	a.verb = args[0]
	switch a.verb {
	case "add", "list", "show", "remove":
	case "-h", "--help", "help":
		fmt.Fprint(stderr, rpUsage)
		return a, false
	default:
		fmt.Fprintf(stderr, "fedgate rp: unknown command %q\n\n%s", a.verb, rpUsage)
		return a, false
	}
	fs := flag.NewFlagSet("rp "+a.verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, rpUsage); fs.PrintDefaults() }
	configFlag(fs, &a.configPath)
	switch a.verb {
	case "add":
		fs.StringVar(&a.metadata, "metadata", "", "SAML 2.0 SP metadata: a `file` or an https:// URL")
		fs.StringVar(&a.definition, "definition", "", "relying-party definition `file` (YAML)")
		fs.StringVar(&a.name, "name", "", "display `name`; default: the metadata's organization display name, else its entity ID")
		fs.StringVar(&a.mfa, "mfa", "", "when to ask for the TOTP code: `always` (default), extranet_only or never")
		fs.BoolVar(&a.replace, "replace", false, "overwrite a stored party of the same name")
		fs.StringVar(&a.caFile, "metadata-ca", "", "PEM `file` of the CAs that may sign the metadata URL's TLS certificate; default: the system roots")
		fs.DurationVar(&a.timeout, "timeout", defaultMetadataTimeout, "give up fetching the metadata URL after this `duration`")
	case "list":
		fs.BoolVar(&a.json, "json", false, "print one JSON object per line instead of a table")
	case "show":
		fs.BoolVar(&a.full, "full", false, "print the stored metadata XML instead of a summary")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return a, false
	}
	fail := func(format string, v ...any) (rpArgs, bool) {
		fmt.Fprintf(stderr, "fedgate rp %s: "+format+"\n", append([]any{a.verb}, v...)...)
		return a, false
	}
	switch a.verb {
	case "show", "remove":
		if fs.NArg() != 1 {
			return fail("want exactly one relying-party NAME (flags go before it); see fedgate rp -h")
		}
		a.name = fs.Arg(0)
	default:
		if fs.NArg() != 0 {
			return fail("unexpected argument %q; see fedgate rp -h", fs.Arg(0))
		}
	}
	if a.verb == "add" {
		if a.metadata == "" && a.definition == "" {
			return fail("give --metadata FILE|URL, --definition FILE.yaml or both")
		}
		if a.mfa != "" {
			if _, err := rp.ParseMFAPolicy(a.mfa); err != nil {
				return fail("--mfa: %v", err)
			}
		}
		if a.timeout <= 0 {
			return fail("--timeout must be positive")
		}
	}
	if len(a.name) > store.MaxRelyingPartyNameLen {
		return fail("the name is longer than %d bytes", store.MaxRelyingPartyNameLen)
	}
	return a, true
}

// rpEnv is what every `fedgate rp` command works on.
type rpEnv struct {
	st store.Store
	// configured are the parties of fedgate.yaml, in a registry, so that
	// their defaults (SAML identifiers) are filled in.
	configured *rp.Registry
	// build is the Env stored definitions are built with: the one the
	// nodes use (rpsync.StoredEnv), so that what add accepts every node
	// accepts.
	build rp.Env
	now   func() time.Time
}

// openRPEnv loads the configuration, its relying parties and the store.
// On failure it reports to stderr and returns nil and the exit code.
func openRPEnv(ctx context.Context, path string, stderr io.Writer, now func() time.Time) (*rpEnv, int) {
	cfg, ok := readConfig("rp", path, stderr)
	if !ok {
		return nil, 2
	}
	var reg *rp.Registry
	parties, err := app.ConfiguredParties(cfg)
	if err == nil {
		reg, err = rp.NewRegistry(parties...)
	}
	if err != nil {
		fmt.Fprintf(stderr, "fedgate rp: %s: %v\n", path, err)
		return nil, 2
	}
	st, _, code := openAdminStore(ctx, "rp", cfg, stderr, now)
	if st == nil {
		return nil, code
	}
	return &rpEnv{st: st, configured: reg, build: rpsync.StoredEnv(app.PartyEnv(cfg)), now: now}, 0
}

// configuredNamed returns the configured party named name, or nil.
func (e *rpEnv) configuredNamed(name string) *rp.Party {
	for _, p := range e.configured.Parties() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// add builds, validates and stores one party.
func (e *rpEnv) add(ctx context.Context, a rpArgs, stdout io.Writer) error {
	d, err := e.definition(ctx, a)
	if err != nil {
		return err
	}
	if p := e.configuredNamed(d.Name); p != nil {
		return fmt.Errorf("%q is the name of a relying party in fedgate.yaml; pick another with --name", d.Name)
	}
	rec, party, err := e.record(d)
	if err != nil {
		return err
	}
	for _, id := range party.Identifiers {
		if p, err := e.configured.Lookup(id); err == nil {
			return fmt.Errorf("identifier %q already belongs to %q, defined in fedgate.yaml", id, p.Name)
		}
	}
	action := auditRPAdded
	switch _, err := e.st.GetRelyingParty(ctx, rec.Name); {
	case err == nil && !a.replace:
		return fmt.Errorf("a stored relying party is already named %q; add --replace to overwrite it, or pick another --name", rec.Name)
	case err == nil:
		action = auditRPReplaced
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if err := e.st.PutRelyingParty(ctx, rec); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w (see fedgate rp list; remove the other party first if it is stale)", err)
		}
		return err
	}
	fmt.Fprintf(stdout, "relying party %s stored (%s, %s); every fedgate node trusts it within %s\n",
		cell(rec.Name), rec.Protocol, cell(strings.Join(rec.Identifiers, ", ")), rpsync.DefaultInterval)
	if err := recordAdmin(ctx, e.st, e.now(), action, "", rec.Identifiers[0], "name="+strconv.Quote(rec.Name)); err != nil {
		return fmt.Errorf("the relying party was stored, but recording it in the audit trail failed: %w", err)
	}
	return nil
}

// definition assembles the Definition `rp add` stores from the flags: the
// --definition file, the --metadata document (inlined), --name and --mfa.
func (e *rpEnv) definition(ctx context.Context, a rpArgs) (*rp.Definition, error) {
	d := &rp.Definition{}
	if a.definition != "" {
		raw, err := boundedfile.Read(a.definition, store.MaxRelyingPartyDefinition)
		if err != nil {
			return nil, fmt.Errorf("--definition: %w", err)
		}
		if d, err = rp.ParseDefinition(raw); err != nil {
			return nil, fmt.Errorf("--definition %s: %w", a.definition, err)
		}
	}
	switch {
	case a.metadata != "":
		if d.Metadata != "" || d.MetadataFile != "" {
			return nil, errors.New("--metadata and the definition's metadata or metadata_file are both set; keep one")
		}
		roots, err := loadRoots(a.caFile)
		if err != nil {
			return nil, err
		}
		doc, from, err := metadataFetcher{roots: roots, timeout: a.timeout}.fetch(ctx, a.metadata)
		if err != nil {
			return nil, err
		}
		d.Metadata = string(doc)
		if strings.HasPrefix(from, "https://") {
			d.MetadataURL = from // informational; plain-http loopback labs leave it out
		}
	case d.MetadataFile != "":
		// Inlined, so that every node reads the same document.
		name := d.MetadataFile
		if !filepath.IsAbs(name) {
			name = filepath.Join(filepath.Dir(a.definition), name)
		}
		doc, err := boundedfile.Read(name, samlp.MaxMetadataBytes)
		if err != nil {
			return nil, fmt.Errorf("--definition: metadata_file: %w", err)
		}
		d.Metadata, d.MetadataFile = string(doc), ""
	}
	if d.Metadata != "" {
		switch d.Protocol {
		case "":
			d.Protocol = string(rp.SAML2)
		case string(rp.SAML2):
		default:
			return nil, fmt.Errorf("protocol %q: SAML metadata belongs to a %q party", d.Protocol, rp.SAML2)
		}
		sp, err := samlp.ParseSPMetadata([]byte(d.Metadata))
		if err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		if d.Name == "" {
			d.Name = defaultPartyName([]byte(d.Metadata), sp.EntityID)
		}
	}
	if a.name != "" {
		d.Name = a.name
	}
	if a.mfa != "" {
		d.MFA = a.mfa
	}
	if d.Name == "" {
		return nil, errors.New("the party has no name; give --name")
	}
	if d.Protocol == "" {
		return nil, errors.New("the definition has no protocol; set protocol: wsfed or protocol: saml2")
	}
	return d, nil
}

// record marshals d and validates it exactly as every node will
// (rpsync.StoredParty), returning the record to store and its party.
func (e *rpEnv) record(d *rp.Definition) (store.RelyingPartyRecord, rp.Party, error) {
	raw, err := yaml.Marshal(d)
	if err != nil {
		return store.RelyingPartyRecord{}, rp.Party{}, fmt.Errorf("encode definition: %w", err)
	}
	if len(raw) > store.MaxRelyingPartyDefinition {
		return store.RelyingPartyRecord{}, rp.Party{}, fmt.Errorf("the definition with its metadata inlined is %d bytes; at most %d can be stored",
			len(raw), store.MaxRelyingPartyDefinition)
	}
	rec := store.RelyingPartyRecord{Name: d.Name, Protocol: d.Protocol, Definition: raw, UpdatedAt: e.now()}
	parsed, err := rp.ParseDefinition(raw)
	if err != nil {
		return rec, rp.Party{}, fmt.Errorf("definition: %w", err)
	}
	p, err := parsed.Party(e.build)
	if err != nil {
		return rec, rp.Party{}, err
	}
	reg, err := rp.NewRegistry(p)
	if err != nil {
		return rec, rp.Party{}, err
	}
	rec.Identifiers = reg.Parties()[0].Identifiers
	party, err := rpsync.StoredParty(rec, e.build)
	if err != nil {
		return rec, rp.Party{}, err
	}
	return rec, party, nil
}

// rpRow is one party in `rp list` output.
type rpRow struct {
	Name        string   `json:"name"`
	Protocol    string   `json:"protocol"`
	Identifiers []string `json:"identifiers"`
	Source      string   `json:"source"`
	MFA         string   `json:"mfa"`
	ReplyURLs   []string `json:"reply_urls"`
	UpdatedAt   string   `json:"updated_at,omitempty"`
	// Problem says why a stored party is not in effect as stored.
	Problem string `json:"problem,omitempty"`
}

// list prints the configured parties, then the stored ones.
func (e *rpEnv) list(ctx context.Context, asJSON bool, stdout, stderr io.Writer) error {
	recs, err := e.st.ListRelyingParties(ctx)
	if err != nil {
		return err
	}
	var rows []rpRow
	for _, p := range e.configured.Parties() {
		rows = append(rows, rpRow{Name: p.Name, Protocol: string(p.Protocol), Identifiers: p.Identifiers, Source: "config",
			MFA: string(p.MFA), ReplyURLs: p.ReplyURLs})
	}
	for _, rec := range recs {
		row := rpRow{Name: rec.Name, Protocol: rec.Protocol, Identifiers: rec.Identifiers, Source: "store",
			UpdatedAt: rec.UpdatedAt.UTC().Format(time.RFC3339)}
		p, err := rpsync.StoredParty(rec, e.build)
		if err == nil {
			row.MFA, row.ReplyURLs = string(p.MFA), p.ReplyURLs
			for _, id := range p.Identifiers {
				if other, lerr := e.configured.Lookup(id); lerr == nil {
					err = fmt.Errorf("identifier %q also belongs to %q in fedgate.yaml, which wins", id, other.Name)
					break
				}
			}
		}
		if err != nil {
			row.Problem = err.Error()
			fmt.Fprintf(stderr, "fedgate rp list: stored party %s is not in effect as stored: %s\n", cell(rec.Name), cell(row.Problem))
		}
		rows = append(rows, row)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPROTOCOL\tIDENTIFIER\tSOURCE\tMFA")
	for _, r := range rows {
		id := "-"
		if len(r.Identifiers) > 0 {
			id = cell(r.Identifiers[0])
			if n := len(r.Identifiers) - 1; n > 0 {
				id += fmt.Sprintf(" (+%d)", n)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cell(r.Name), cell(r.Protocol), id, r.Source, cell(r.MFA))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// show prints the party named name as YAML: the configured one, the
// stored one, or both as two YAML documents when both carry the name.
func (e *rpEnv) show(ctx context.Context, name string, full bool, stdout io.Writer) error {
	configured := e.configuredNamed(name)
	if configured != nil {
		if err := showConfigured(stdout, configured, e.now()); err != nil {
			return err
		}
	}
	rec, err := e.st.GetRelyingParty(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound) && configured != nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no relying party is named %s; see fedgate rp list", cell(name))
	case err != nil:
		return err
	case configured != nil:
		if _, err := io.WriteString(stdout, "---\n"); err != nil {
			return err
		}
	}
	return showStored(stdout, rec, full, e.now())
}

// remove deletes the stored party named name. A configured party is
// never removed here, but a stored party that shares its name is.
func (e *rpEnv) remove(ctx context.Context, name string, stdout io.Writer) error {
	rpID := ""
	if rec, err := e.st.GetRelyingParty(ctx, name); err == nil && len(rec.Identifiers) > 0 {
		rpID = rec.Identifiers[0]
	}
	err := e.st.DeleteRelyingParty(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound) && e.configuredNamed(name) != nil:
		return fmt.Errorf("relying party %s is defined in fedgate.yaml; remove it there (and restart fedgate)", cell(name))
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no stored relying party is named %s; see fedgate rp list", cell(name))
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "relying party %s removed from the store; every fedgate node stops trusting it within %s\n", cell(name), rpsync.DefaultInterval)
	if err := recordAdmin(ctx, e.st, e.now(), auditRPRemoved, "", rpID, "name="+strconv.Quote(name)); err != nil {
		return fmt.Errorf("the relying party was removed, but recording it in the audit trail failed: %w", err)
	}
	return nil
}
