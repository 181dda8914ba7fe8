// Command fedgate-proxy is the Web Application Proxy role of fedgate: it
// runs in the DMZ, terminates TLS for the public federation name and
// relays only the published federation endpoints to the fedgate nodes
// over mutual TLS (package web/proxy).
//
//	fedgate-proxy enroll --token-file FILE   obtain the proxy-trust certificate (once)
//	fedgate-proxy run                        serve
//	fedgate-proxy check-config               validate the configuration and files
//	fedgate-proxy version
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
