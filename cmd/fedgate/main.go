// Command fedgate is a self-hosted federation server that replaces AD FS
// for Office 365 / Entra ID and SAML 2.0 applications.
//
//	fedgate demo                      everything on one machine, nothing installed
//	fedgate serve --config FILE       the federation service
//	fedgate check-config --config FILE [--strict]
//	                                  also compares extranet_lockout with AD's lockout policy
//	fedgate lockout show|reset|list   extranet lockout state of an account (AD FS
//	                                  Get-ADFSAccountActivity, Reset-ADFSAccountLockout)
//	fedgate audit --config FILE       sign-in audit trail
//	fedgate proxy-trust …             enroll and revoke fedgate-proxy instances
//	fedgate rp add|list|show|remove   relying-party trusts kept in the store
//	fedgate keys show|new             token-signing certificate rollover (AD FS
//	                                  AutoCertificateRollover, done by hand)
//	fedgate version
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
