// Package emailtest runs real, in-process mail servers on the loopback
// interface for tests and for `fieldcrm demo`.
//
// The IMAP server (NewIMAP) is built from go-imap's imapserver and its
// in-memory backend imapmemserver, so any IMAP client — the imapwatch
// package, or a newcomer's Thunderbird during the demo — can log in, read,
// move and delete mail. On top of a plain server it can misbehave on purpose
// so that reconnect logic can be tested over real TCP: it can leave out
// IDLE or MOVE, drop every connection at once, or stall (stop answering while
// keeping the TCP connection open, as a black-holed link does).
//
// The SMTP part of the package lives in smtp.go.
package emailtest
