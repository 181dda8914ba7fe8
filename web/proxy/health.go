package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// CheckHealth probes every node once, concurrently: GET /adfs/probe over
// the node's mutual-TLS transport, healthy on 200 within HealthTimeout.
// It returns when every probe has finished.
func (p *Proxy) CheckHealth(ctx context.Context) {
	var wg sync.WaitGroup
	for _, nd := range p.nodes {
		wg.Go(func() {
			err := p.probe(ctx, nd)
			if ctx.Err() != nil {
				return // shutting down: not the node's fault
			}
			p.setHealthy(nd, err == nil, err)
		})
	}
	wg.Wait()
}

func (p *Proxy) probe(ctx context.Context, nd *node) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.HealthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+nd.host+ProbePath, nil)
	if err != nil {
		return err
	}
	req.Host = p.cfg.FederationName
	resp, err := nd.upstream.current().RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("proxy: probe answered %d", resp.StatusCode)
	}
	return nil
}

// RunHealthChecks probes every node at once and then on every tick until
// ctx ends. cmd passes time.NewTicker(interval).C; tests pass their own
// channel.
func (p *Proxy) RunHealthChecks(ctx context.Context, ticks <-chan time.Time) {
	p.CheckHealth(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			p.CheckHealth(ctx)
		}
	}
}
