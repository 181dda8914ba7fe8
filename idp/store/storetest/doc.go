// Package storetest is the conformance suite every store.Store backend must
// pass, in the manner of dex's storage/conformance.
//
// A backend's test calls Run with a function that opens a fresh, empty store
// (and closes it with t.Cleanup), and RunShared with a function that opens
// two handles on one fresh database, which is what a farm of nodes looks
// like. Expiry is tested with instants far in the past or future, so the
// suite works with the backend's default wall clock and never sleeps.
package storetest
