// Package email is the email channel: it turns one received e-mail into
// CRM changes and one threaded reply, and words what fieldcrm sends by email.
//
// The parts, each in its own package below this one:
//
//	mailtext   reading a raw message: MIME, charsets, HTML, quotes and signatures, auto-replies, Authentication-Results
//	imapwatch  taking new mail from the mailbox (IDLE or polling, reconnects, \Seen and a move to Processed)
//	smtpsend   sending through SMTP with go-mail, as the outbox's Sender for the email channel
//	emailtest  an IMAP and an SMTP server on loopback, for tests and for `fieldcrm demo`
//
// This package holds the Handler, which decides what an e-mail does: who sent
// it (a registered user, and either the receiving server's own
// Authentication-Results, with no failure and no other submitter, or a
// reply token of fieldcrm's own mail in the thread it was sent in, for 30
// days), whether it
// is an auto-reply (never answered), each command line through the same
// pipeline as SMS, attachments filed as documents, and the answer. And the
// Sender, which puts the per-user reply address and token on every mail
// fieldcrm sends.
//
// # Exactly once
//
// Each command line is applied under its own claim (Message-ID "#" line) in
// the transaction that applies it; the reply, the documents and the mark
// that the message is done are written in one last transaction. A crash
// between them just means the message comes again from IMAP: lines already
// applied answer their stored result, the rest are applied, and the reply is
// queued once (its outbox key is the Message-ID).
//
// # Buckets
//
//	mail/done       Message-ID → what was decided (JSON): a message is handled once
//	mail/explained  address 0 why → unix time of the last explanation (one per sender per day)
//	mail/replies    address → unix times of the replies of the last hour (the loop guard)
//	mail/raw        sequence → a message that could not be read, kept as received (its first 4 MiB)
//	mail/meta       "token-key" → the key of reply tokens; "tokens-v2-since" → unix time this database first
//	                ran tokens that name their mail and time (older tokens are accepted for TokenTTL after it)
package email
