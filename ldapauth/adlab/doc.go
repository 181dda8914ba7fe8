// Package adlab connects fedgate's tests to the Samba Active Directory lab
// started by deploy/samba-ad-lab.sh. The script writes a shell-style env
// file ($ADDIR/env, KEY='value' lines: URLs, CA file, service and admin
// accounts, lab user passwords); Load parses it with size limits and
// Require gates a test on it:
//
//	FEDGATE_AD_ENV   FEDGATE_AD_REQUIRED   Require
//	---------------  --------------------  ----------------------------------
//	set              any                   loads it; a bad file fails the test
//	unset            "1"                   fails the test (.ci/run sets it)
//	unset            other                 skips with how to run the suite
//
// so `make test` stays runnable without Samba while CI cannot silently
// skip the suite. The lab's credentials are throwaway lab values; they
// are still never logged.
package adlab
