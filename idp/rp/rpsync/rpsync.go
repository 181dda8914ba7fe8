package rpsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
)

// DefaultInterval is how often Run polls the store's version counter.
const DefaultInterval = 15 * time.Second

// ErrNotSelfContained is returned, wrapped with the file name, when a
// stored definition tries to read a file (see StoredEnv).
var ErrNotSelfContained = errors.New("rpsync: a stored relying party must be self-contained: inline its metadata " +
	"(fedgate rp add --metadata does) instead of naming a file that only one node has")

// Store is the part of store.Store a Refresher reads;
// store.RelyingParties satisfies it.
type Store interface {
	// RelyingPartiesVersion returns a counter that moves with every
	// change to the stored parties.
	RelyingPartiesVersion(ctx context.Context) (int64, error)
	// ListRelyingParties returns every stored party.
	ListRelyingParties(ctx context.Context) ([]store.RelyingPartyRecord, error)
}

// Refresher rebuilds an rp.Live from the configured parties and the
// stored ones whenever the store's version moves. Its methods are safe for
// concurrent use; rebuilds are serialised.
type Refresher struct {
	st     Store
	static []rp.Party
	// owners maps each configured identifier to its party's name.
	owners map[string]string
	env    rp.Env
	log    *slog.Logger
	live   *rp.Live

	mu       sync.Mutex
	loaded   bool
	applied  int64               // store version of the current registry
	lastGood map[string]rp.Party // stored parties in the current registry, by record name
	problems []error
}

// New returns a Refresher whose registry starts as the configured parties
// alone (static, which must form a valid registry: Office 365 and the
// relying_parties of fedgate.yaml). Call Refresh once to add the stored
// parties before serving, then Run. env is what stored definitions are
// built with, minus file access (see StoredEnv). log defaults to discard.
func New(st Store, static []rp.Party, env rp.Env, log *slog.Logger) (*Refresher, error) {
	if st == nil {
		return nil, errors.New("rpsync: store is nil")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg, err := rp.NewRegistry(static...)
	if err != nil {
		return nil, fmt.Errorf("rpsync: configured relying parties: %w", err)
	}
	owners := map[string]string{}
	for _, p := range reg.Parties() {
		for _, id := range p.Identifiers {
			owners[id] = p.Name
		}
	}
	return &Refresher{
		st: st, static: slices.Clone(static), owners: owners, env: StoredEnv(env), log: log,
		live: rp.NewLive(reg), lastGood: map[string]rp.Party{},
	}, nil
}

// Live returns the registry the protocol handlers should read.
func (r *Refresher) Live() *rp.Live { return r.live }

// Problems returns the stored parties the last rebuild left out or kept at
// an older definition, one error each naming the party and the reason.
func (r *Refresher) Problems() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.problems)
}

// Refresh rebuilds the registry if the store's version moved since the
// last rebuild (or there has been none). It returns an error only when the
// store cannot be read or the registry cannot be built; the previous
// registry then stays in place. Unusable stored parties are not errors
// here: they are logged and reported by Problems (see the package doc).
func (r *Refresher) Refresh(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	// The version is read before the list: a change landing in between
	// moves the version past the one recorded here, so the next Refresh
	// rebuilds again rather than missing it.
	v, err := r.st.RelyingPartiesVersion(ctx)
	if err != nil {
		return fmt.Errorf("rpsync: read version: %w", err)
	}
	if r.loaded && v == r.applied {
		return nil
	}
	recs, err := r.st.ListRelyingParties(ctx)
	if err != nil {
		return fmt.Errorf("rpsync: list stored relying parties: %w", err)
	}
	parties, good, problems := r.merge(ctx, recs)
	reg, err := rp.NewRegistry(parties...)
	if err != nil {
		r.log.ErrorContext(ctx, "relying parties not reloaded; keeping the previous set", slog.Int64("version", v), slog.Any("err", err))
		return fmt.Errorf("rpsync: rebuild (previous relying parties kept): %w", err)
	}
	r.live.Swap(reg)
	r.loaded, r.applied, r.lastGood, r.problems = true, v, good, problems
	r.log.InfoContext(ctx, "relying parties loaded", slog.Int64("version", v), slog.Int("configured", len(r.static)),
		slog.Int("stored", len(good)), slog.Int("problems", len(problems)))
	return nil
}

// merge returns the configured parties followed by the usable stored
// ones, the stored ones by record name, and one error per problem.
func (r *Refresher) merge(ctx context.Context, recs []store.RelyingPartyRecord) ([]rp.Party, map[string]rp.Party, []error) {
	parties := slices.Clone(r.static)
	good := make(map[string]rp.Party, len(recs))
	claimed := make(map[string]string, len(r.owners))
	for id, name := range r.owners {
		claimed[id] = fmt.Sprintf("the configured relying party %q (fedgate.yaml wins)", name)
	}
	var problems []error
	for _, rec := range recs {
		p, err := StoredParty(rec, r.env)
		if err == nil {
			err = collision(p, claimed)
		}
		if err != nil {
			problem := fmt.Errorf("rpsync: stored relying party %q: %w", rec.Name, err)
			problems = append(problems, problem)
			prev, ok := r.lastGood[rec.Name]
			if !ok || collision(prev, claimed) != nil {
				r.log.ErrorContext(ctx, "stored relying party left out", slog.String("rp", rec.Name), slog.Any("err", err))
				continue
			}
			r.log.ErrorContext(ctx, "stored relying party keeps its last valid definition", slog.String("rp", rec.Name), slog.Any("err", err))
			p = prev
		}
		for _, id := range p.Identifiers {
			claimed[id] = fmt.Sprintf("the stored relying party %q", rec.Name)
		}
		parties = append(parties, p)
		good[rec.Name] = p
	}
	return parties, good, problems
}

// collision reports an identifier of p that another party already claims.
func collision(p rp.Party, claimed map[string]string) error {
	for _, id := range p.Identifiers {
		if owner, ok := claimed[id]; ok {
			return fmt.Errorf("identifier %q already belongs to %s", id, owner)
		}
	}
	return nil
}

// StoredParty builds the party of one stored record with env (which
// should come from StoredEnv) and checks that it is the party the record
// describes: same name, protocol and identifiers. The store guarantees
// that no two records share an identifier, so the party must be known by
// exactly its record's identifiers.
func StoredParty(rec store.RelyingPartyRecord, env rp.Env) (rp.Party, error) {
	d, err := rp.ParseDefinition(rec.Definition)
	if err != nil {
		return rp.Party{}, err // "rp: definition: …"
	}
	if d.Protocol == "" {
		return rp.Party{}, errors.New("definition: protocol is required in a stored definition (wsfed or saml2)")
	}
	p, err := d.Party(env)
	if err != nil {
		return rp.Party{}, fmt.Errorf("definition: %w", err)
	}
	// A SAML party is known by its entity ID, which NewRegistry fills in
	// when the builder left it empty.
	reg, err := rp.NewRegistry(p)
	if err != nil {
		return rp.Party{}, fmt.Errorf("definition: %w", err)
	}
	built := reg.Parties()[0]
	switch {
	case built.Name != rec.Name:
		return rp.Party{}, fmt.Errorf("definition names %q, but the record is %q", built.Name, rec.Name)
	case string(built.Protocol) != rec.Protocol:
		return rp.Party{}, fmt.Errorf("definition is protocol %q, but the record says %q", built.Protocol, rec.Protocol)
	case !sameSet(built.Identifiers, rec.Identifiers):
		return rp.Party{}, fmt.Errorf("definition identifiers %q differ from the record's %q", built.Identifiers, rec.Identifiers)
	}
	return *built, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// StoredEnv returns env with file reading refused (ErrNotSelfContained):
// a stored definition is built by every node of a farm, and a file path
// names a file on one machine only. `fedgate rp add` validates with the
// same Env, so what it accepts, every node accepts.
func StoredEnv(env rp.Env) rp.Env {
	env.ReadFile = func(name string) ([]byte, error) {
		return nil, fmt.Errorf("%s: %w", name, ErrNotSelfContained)
	}
	return env
}

// Run calls Refresh every interval (DefaultInterval when interval is not
// positive) until ctx ends, logging failures; the registry in place is
// kept through them. It returns ctx's error.
func (r *Refresher) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := r.Refresh(ctx); err != nil && ctx.Err() == nil {
				r.log.WarnContext(ctx, "relying-party refresh failed; keeping the current set", slog.Any("err", err))
			}
		}
	}
}
