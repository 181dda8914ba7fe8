// Package proxytrusttest provides an in-memory proxytrust.Store with the
// same contract as the database stores, and helpers that build a
// proxy-trust CA and certificates for tests.
package proxytrusttest
