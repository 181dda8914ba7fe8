// Package rpsync keeps a node's relying-party trusts in step with the
// store, so that a trust added with `fedgate rp add` or removed with
// `fedgate rp remove` on any node of a farm takes effect on every node
// without a restart.
//
// A Refresher owns an rp.Live. Its registry is always the parties of the
// configuration file (Office 365 and relying_parties) plus the stored
// ones. Refresh reads the store's version counter, one cheap query, and
// rebuilds only when it moved; Run calls Refresh every interval (default
// 15s), so a change reaches every node within one interval.
//
// What a rebuild does with a stored party that cannot be used:
//
//   - its definition does not parse or validate, or it does not match its
//     record: the party keeps the last definition this node accepted for
//     it, or, when there is none, is left out (fail closed: no token is
//     issued to it); every other change still applies, so a removal is
//     never held back by an unrelated bad record;
//   - one of its identifiers belongs to a party in the configuration file:
//     the configuration wins and the stored party is left out;
//   - a store error: the whole previous registry stays and the next
//     interval tries again.
//
// Each problem is logged at error level and kept in Problems until the
// next rebuild. Stored definitions may not read files (see StoredEnv):
// every node must build the same party from the same record.
package rpsync
