// Package session seals small JSON values into opaque strings with
// AES-256-GCM, for browser cookies and hidden form state.
//
// Sealed values are bound to a purpose (the AEAD additional data), so a
// sign-in flow state can never be replayed as a session cookie and the
// other way round. The key is shared by every node of a farm; no server
// side session table is needed for correctness.
package session
