// Package boundedfile reads files named by configuration or by an
// administrator (fedgate.yaml, secret files, PEM keys and certificates,
// SAML metadata, relying-party definitions) with a size limit, so that a
// wrong path (a device, a FIFO, a huge log file) is refused with a clear
// message instead of hanging or exhausting memory.
package boundedfile
