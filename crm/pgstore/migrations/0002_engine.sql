-- fieldcrm on PostgreSQL, schema 2: the storage seam (crm.Engine).
--
-- Every package's own state (message claims, pages, conversations, the
-- unresolved messages, the outbox, the scheduler's marks, the e-mail state,
-- the web console's sign-ins, documents' content) is a space of keys
-- (crm.Bucket): one generic table, the same keys and values bbolt holds in
-- the bucket of the same name. The tables schema 1 had for each of them go.
DROP TABLE message_claims, pages, conversations, unresolved, unknown_senders, unknown_hours,
	outbox_entries, outbox_provider, outbox_recipient_sends, outbox_recipients, sender_slots,
	job_runs, sched_digest, sched_escalated, sched_reminded, leases,
	mail_done, mail_explained, mail_replies, mail_raw, mail_meta, imap_state, document_data;
DROP SEQUENCE unresolved_ids, outbox_ids;

CREATE TABLE kv (
	space text NOT NULL,
	key bytea NOT NULL,
	value bytea NOT NULL,
	PRIMARY KEY (space, key)
);
-- a space's sequence (Bucket.NextSequence): taken by a statement of its own,
-- outside the transaction that uses it, as a PostgreSQL sequence is (no
-- serialization conflict between two writers of one space; a rolled-back
-- transaction leaves a gap)
CREATE TABLE kv_seq (
	space text PRIMARY KEY,
	last bigint NOT NULL
);

-- Unique keys exactly as crm makes them (idx_user_email, idx_eq_serial,
-- idx_eq_ident: the bytes of bbolt's keys), so that a check answers as on
-- bbolt; the primary key refuses a key another node took meanwhile (23505:
-- the transaction is retried and crm's check then sees the winner). The
-- typed unique indexes of schema 1 could disagree with crm's keys (case,
-- the purchase date's zone): they go.
CREATE TABLE unique_keys (
	ix text NOT NULL,
	key bytea NOT NULL,
	id bigint NOT NULL,
	PRIMARY KEY (ix, key)
);
DROP INDEX users_email, equipment_serial, equipment_ident;
CREATE INDEX equipment_serial ON equipment (serial) WHERE own_brand;

-- idx_user_phone stays user_phones (a number → its user), kept from the
-- entries crm writes: no reference to users (a user's row and its numbers
-- are written in any order in a transaction).
ALTER TABLE user_phones DROP CONSTRAINT user_phones_user_id_fkey;

-- idx_name: the entries as crm makes them, key kind 0 token 0 id (bytea
-- compares byte by byte: the order of bbolt's cursor), hints its value.
DROP TABLE name_tokens;
CREATE TABLE name_tokens (
	key bytea PRIMARY KEY,
	kind text NOT NULL,
	id bigint NOT NULL,
	hints bytea NOT NULL
);
CREATE INDEX name_tokens_record ON name_tokens (kind, id);

-- idx_assigned: open activities someone else assigned (crm needs the time too)
DROP INDEX activities_assigned;
CREATE INDEX activities_assigned ON activities (id)
	WHERE status = 'open' AND assigned_by <> 0 AND assigned_by <> owner AND assigned_at IS NOT NULL;
-- idx_open_owner is read by owner in id order
DROP INDEX activities_open_owner;
CREATE INDEX activities_open_owner ON activities (owner, id) WHERE status = 'open';
