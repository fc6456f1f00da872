-- fieldcrm on PostgreSQL, schema 1: records as rows.
--
-- Written to the portable subset (PostgreSQL, CockroachDB, YugabyteDB):
-- no advisory locks, no LISTEN/NOTIFY, no triggers, no extensions; every
-- transaction may be retried on 40001/40P01. Times are timestamptz, ids
-- bigint, the record itself is the JSON crm marshals (data), and the typed
-- columns beside it are copies of what is indexed and reported on, written
-- by the same statement.

-- Short ids per kind (#17): one row per kind, taken with
-- UPDATE … SET last = last + 1 RETURNING last in the creating transaction.
-- A rolled-back transaction gives its id back (as bbolt's NextSequence does);
-- a deleted record's id is never given again (the counter only grows; an
-- import that keeps its ids raises it with greatest()).
CREATE TABLE id_counters (
	kind text PRIMARY KEY,
	last bigint NOT NULL DEFAULT 0 CHECK (last >= 0)
);
INSERT INTO id_counters (kind) VALUES
	('user'), ('account'), ('contact'), ('lead'), ('opp'), ('activity'),
	('equipment'), ('competitor'), ('campaign'), ('document'), ('request');

-- Every record table starts with the same columns (crm.Base).
CREATE TABLE users (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	name text NOT NULL DEFAULT '',
	email text NOT NULL DEFAULT '',
	role text NOT NULL DEFAULT '',
	manager bigint NOT NULL DEFAULT 0,
	disabled boolean NOT NULL DEFAULT false,
	data jsonb NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email) WHERE email <> '';
CREATE INDEX users_manager ON users (manager, id);
-- idx_user_phone: a user has several numbers, each on one user only
CREATE TABLE user_phones (
	phone text PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX user_phones_user ON user_phones (user_id);

CREATE TABLE accounts (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	name text NOT NULL DEFAULT '',
	status text NOT NULL DEFAULT '',
	parent bigint NOT NULL DEFAULT 0,
	city text NOT NULL DEFAULT '',
	industry text NOT NULL DEFAULT '',
	blacklisted boolean NOT NULL DEFAULT false,
	data jsonb NOT NULL
);
CREATE INDEX accounts_owner ON accounts (owner, id);
CREATE INDEX accounts_team ON accounts (branch, dept, id);

CREATE TABLE contacts (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	account bigint NOT NULL DEFAULT 0,
	name text NOT NULL DEFAULT '',
	mobile text NOT NULL DEFAULT '',
	landline text NOT NULL DEFAULT '',
	removed boolean NOT NULL DEFAULT false,
	data jsonb NOT NULL
);
CREATE INDEX contacts_owner ON contacts (owner, id);
CREATE INDEX contacts_account ON contacts (account, id);

CREATE TABLE leads (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	subject text NOT NULL DEFAULT '',
	company text NOT NULL DEFAULT '',
	phone text NOT NULL DEFAULT '',
	source text NOT NULL DEFAULT '',
	campaign bigint NOT NULL DEFAULT 0,
	status text NOT NULL DEFAULT '',
	estimated_value bigint NOT NULL DEFAULT 0,
	data jsonb NOT NULL
);
CREATE INDEX leads_owner ON leads (owner, id);
CREATE INDEX leads_status ON leads (status, id);
CREATE INDEX leads_campaign ON leads (campaign, id) WHERE campaign <> 0;

CREATE TABLE opps (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	account bigint NOT NULL DEFAULT 0,
	name text NOT NULL DEFAULT '',
	stage smallint NOT NULL DEFAULT 0,
	amount bigint NOT NULL DEFAULT 0,
	probability integer NOT NULL DEFAULT 0,
	close_at timestamptz,
	closed_at timestamptz,
	lead bigint NOT NULL DEFAULT 0,
	campaign bigint NOT NULL DEFAULT 0,
	lost_to text NOT NULL DEFAULT '',
	data jsonb NOT NULL
);
CREATE INDEX opps_owner ON opps (owner, id);
CREATE INDEX opps_stage ON opps (stage, id);
CREATE INDEX opps_account ON opps (account, id);

CREATE TABLE activities (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	type text NOT NULL DEFAULT '',
	status text NOT NULL DEFAULT '',
	priority text NOT NULL DEFAULT '',
	due timestamptz,
	account bigint NOT NULL DEFAULT 0,
	contact bigint NOT NULL DEFAULT 0,
	opp bigint NOT NULL DEFAULT 0,
	lead bigint NOT NULL DEFAULT 0,
	assigned_by bigint NOT NULL DEFAULT 0,
	assigned_at timestamptz,
	done_at timestamptz,
	data jsonb NOT NULL
);
CREATE INDEX activities_owner ON activities (owner, id);
CREATE INDEX activities_account ON activities (account, id);
-- idx_due: open activities with a due time, by due time
CREATE INDEX activities_due ON activities (due, id) WHERE status = 'open' AND due IS NOT NULL;
-- idx_open_owner: a user's open activities, the ones due by a time first
CREATE INDEX activities_open_owner ON activities (owner, due, id) WHERE status = 'open';
-- idx_assigned: open activities someone else assigned
CREATE INDEX activities_assigned ON activities (id) WHERE status = 'open' AND assigned_by <> 0 AND assigned_by <> owner;
-- reports: visits per salesman per day
CREATE INDEX activities_done ON activities (owner, done_at) WHERE done_at IS NOT NULL;

CREATE TABLE equipment (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	account bigint NOT NULL DEFAULT 0,
	brand text NOT NULL DEFAULT '',
	model text NOT NULL DEFAULT '',
	serial text NOT NULL DEFAULT '',
	own_brand boolean NOT NULL DEFAULT false,
	bought date,
	smu integer NOT NULL DEFAULT 0,
	data jsonb NOT NULL
);
CREATE INDEX equipment_owner ON equipment (owner, id);
CREATE INDEX equipment_account ON equipment (account, id);
-- idx_eq_serial: the dealer's own brand, by serial number, across customers
CREATE UNIQUE INDEX equipment_serial ON equipment (serial) WHERE own_brand;
-- idx_eq_ident: other brands, by brand + model + purchase date at one account
CREATE UNIQUE INDEX equipment_ident ON equipment (account, brand, model, bought) WHERE NOT own_brand;

CREATE TABLE competitors (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	name text NOT NULL DEFAULT '',
	data jsonb NOT NULL
);
CREATE INDEX competitors_owner ON competitors (owner, id);

CREATE TABLE campaigns (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	name text NOT NULL DEFAULT '',
	budget bigint NOT NULL DEFAULT 0,
	cost bigint NOT NULL DEFAULT 0,
	start_at timestamptz,
	end_at timestamptz,
	data jsonb NOT NULL
);
CREATE INDEX campaigns_owner ON campaigns (owner, id);

CREATE TABLE documents (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	account bigint NOT NULL DEFAULT 0,
	name text NOT NULL DEFAULT '',
	sha256 text NOT NULL DEFAULT '',
	size bigint NOT NULL DEFAULT 0,
	data jsonb NOT NULL
);
CREATE INDEX documents_owner ON documents (owner, id);
CREATE INDEX documents_account ON documents (account, id);
-- doc_data: the content, read only when asked for
CREATE TABLE document_data (
	id bigint PRIMARY KEY,
	content bytea NOT NULL
);

CREATE TABLE requests (
	id bigint PRIMARY KEY,
	owner bigint NOT NULL DEFAULT 0,
	branch text NOT NULL DEFAULT '',
	dept text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	type text NOT NULL DEFAULT '',
	status text NOT NULL DEFAULT '',
	target_kind text NOT NULL DEFAULT '',
	target bigint NOT NULL DEFAULT 0,
	requested_by bigint NOT NULL DEFAULT 0,
	decided_by bigint NOT NULL DEFAULT 0,
	data jsonb NOT NULL
);
CREATE INDEX requests_owner ON requests (owner, id);
-- idx_pending: requests waiting for a manager
CREATE INDEX requests_pending ON requests (id) WHERE status = 'pending';

-- idx_name: the fuzzy lookup's tokens (bytea: compared byte by byte under
-- any collation, as the bbolt keys are; a prefix is a range scan)
CREATE TABLE name_tokens (
	kind text NOT NULL,
	token bytea NOT NULL,
	id bigint NOT NULL,
	field smallint NOT NULL,
	pos smallint NOT NULL,
	ntok smallint NOT NULL,
	PRIMARY KEY (kind, token, id)
);
CREATE INDEX name_tokens_record ON name_tokens (kind, id);

-- History. A change set is one request's changes (the unit of UNDO). Its id
-- comes from a sequence, not a counter row: every write has one, and a
-- counter row would put every write of every node in one queue. Ids may have
-- gaps (a rolled-back request) and are never reused; they are not in commit
-- order, so "change sets after X" is by id > X and at >= X's time, not by id
-- alone (see docs/storage.md).
CREATE SEQUENCE changeset_ids;
CREATE TABLE changesets (
	id bigint PRIMARY KEY,
	at timestamptz NOT NULL,
	user_id bigint NOT NULL,
	channel text NOT NULL DEFAULT '',
	message_id text NOT NULL DEFAULT '',
	summary text NOT NULL DEFAULT '',
	undo_of bigint NOT NULL DEFAULT 0,
	undone_by bigint NOT NULL DEFAULT 0,
	data jsonb NOT NULL -- changes (before/after) and events, as crm.ChangeSet
);
CREATE INDEX changesets_user ON changesets (user_id, id);
CREATE INDEX changesets_at ON changesets (at);
-- rec_hist: every change set that touched a record (the last is its latest)
CREATE TABLE record_history (
	kind text NOT NULL,
	id bigint NOT NULL,
	changeset bigint NOT NULL,
	PRIMARY KEY (kind, id, changeset)
);

-- conv: per-user conversation state (pending choice, last day seen, recent change sets)
CREATE TABLE conversations (
	user_id bigint PRIMARY KEY,
	data jsonb NOT NULL
);

-- unresolved / unresolved_open: messages not carried out, and each user's
-- numbered question not answered yet
CREATE SEQUENCE unresolved_ids;
CREATE TABLE unresolved (
	id bigint PRIMARY KEY,
	user_id bigint NOT NULL DEFAULT 0,
	at timestamptz NOT NULL,
	open boolean NOT NULL DEFAULT false,
	data jsonb NOT NULL
);
CREATE UNIQUE INDEX unresolved_open_user ON unresolved (user_id) WHERE open;
CREATE INDEX unresolved_at ON unresolved (at);

-- gw/claims: a message applied once. The insert is in the transaction of
-- the change; the primary key makes a second delivery's transaction fail
-- (or, with ON CONFLICT DO NOTHING, find the stored answer).
CREATE TABLE message_claims (
	channel text NOT NULL,
	message_id text NOT NULL,
	user_id bigint NOT NULL DEFAULT 0,
	at timestamptz NOT NULL,
	data jsonb NOT NULL, -- the answer: reply, segments, verb, code, queued
	PRIMARY KEY (channel, message_id)
);
CREATE INDEX message_claims_at ON message_claims (at);

-- gw/pages: the rest of a long answer, for MORE
CREATE TABLE pages (
	user_id bigint PRIMARY KEY,
	data jsonb NOT NULL
);

-- gw/unknown: the unknown-sender throttle, shared by every node
CREATE TABLE unknown_senders (
	channel text NOT NULL,
	sender text NOT NULL,
	answered_at timestamptz NOT NULL,
	PRIMARY KEY (channel, sender)
);
CREATE TABLE unknown_hours (
	hour timestamptz PRIMARY KEY,
	answers integer NOT NULL
);

-- outbox/*: entries with their state, an idempotency key, and a lease. A
-- node claims due entries with FOR UPDATE SKIP LOCKED and sets leased_until
-- / leased_by in the same transaction; in-doubt recovery takes only
-- "sending" entries whose lease has expired.
CREATE SEQUENCE outbox_ids;
CREATE TABLE outbox_entries (
	id bigint PRIMARY KEY,
	channel text NOT NULL,
	recipient text NOT NULL,
	key text, -- NULL: no idempotency key
	user_id bigint NOT NULL DEFAULT 0,
	state text NOT NULL,
	next_at timestamptz NOT NULL,
	attempts integer NOT NULL DEFAULT 0,
	leased_until timestamptz,
	leased_by text,
	provider_id text,
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	data jsonb NOT NULL -- the rest of outbox.Entry: body, subject, history …
);
CREATE UNIQUE INDEX outbox_key ON outbox_entries (channel, key) WHERE key IS NOT NULL;
CREATE INDEX outbox_due ON outbox_entries (channel, next_at, id) WHERE state = 'queued';
CREATE INDEX outbox_sending ON outbox_entries (leased_until, id) WHERE state = 'sending';
CREATE INDEX outbox_state ON outbox_entries (state, updated);
-- a provider's message id (several for a message sent as several SMS), and
-- outbox/early: a delivery report that came before the send was recorded
-- (entry_id NULL, early_* set). One row for both, so that the node that
-- records the send and the node that takes the report lock the same row:
-- whichever commits second sees the other's write (no report lost between
-- two tables).
CREATE TABLE outbox_provider (
	provider_id text PRIMARY KEY,
	entry_id bigint,
	early_status text,
	early_code integer,
	early_at timestamptz
);
-- outbox/recipients: what was sent to each number, for its frequency limits
CREATE TABLE outbox_recipient_sends (
	recipient text NOT NULL,
	sent_at timestamptz NOT NULL,
	entry_id bigint NOT NULL,
	PRIMARY KEY (recipient, sent_at, entry_id)
);
-- one row per number that was sent to: outbox/blocked (the provider refuses
-- it until blocked_until), and the row a node locks while it counts the
-- number's sends and adds one, so that two nodes cannot both take the last
-- send a limit allows
CREATE TABLE outbox_recipients (
	recipient text PRIMARY KEY,
	blocked_until timestamptz,
	reason text NOT NULL DEFAULT ''
);
-- per sender number: when it may send again (its rate, across nodes)
CREATE TABLE sender_slots (
	sender text PRIMARY KEY,
	next_free timestamptz NOT NULL
);

-- scheduler: a job runs once per slot (its scheduled time) across nodes: the
-- node whose insert wins runs it
CREATE TABLE job_runs (
	job text NOT NULL,
	slot timestamptz NOT NULL,
	node text NOT NULL,
	started timestamptz NOT NULL,
	finished timestamptz,
	counts jsonb,
	error text,
	PRIMARY KEY (job, slot)
);
CREATE TABLE sched_digest (
	user_id bigint PRIMARY KEY,
	data jsonb NOT NULL
);
CREATE TABLE sched_escalated (
	activity_id bigint PRIMARY KEY,
	deadline timestamptz NOT NULL
);
CREATE TABLE sched_reminded (
	activity_id bigint PRIMARY KEY,
	day date NOT NULL
);

-- leases: one holder at a time (the IMAP watcher of a mailbox); a holder
-- renews before until, another node takes it over after. token grows at each
-- change of holder (a fencing token).
CREATE TABLE leases (
	name text PRIMARY KEY,
	holder text NOT NULL,
	until timestamptz NOT NULL,
	token bigint NOT NULL
);

-- mail/*: e-mail state
CREATE TABLE mail_done (
	message_id text PRIMARY KEY,
	at timestamptz NOT NULL,
	data jsonb NOT NULL
);
CREATE TABLE mail_explained (
	message_id text PRIMARY KEY,
	at timestamptz NOT NULL,
	data jsonb NOT NULL
);
CREATE TABLE mail_replies (
	key text PRIMARY KEY,
	at timestamptz NOT NULL,
	data jsonb NOT NULL
);
CREATE TABLE mail_raw (
	message_id text PRIMARY KEY,
	at timestamptz NOT NULL,
	raw bytea NOT NULL
);
CREATE TABLE mail_meta (
	key text PRIMARY KEY,
	value bytea NOT NULL
);
-- mail/imap: per mailbox and folder, UIDVALIDITY and the last UID handled
CREATE TABLE imap_state (
	mailbox text PRIMARY KEY,
	uid_validity bigint NOT NULL,
	last_uid bigint NOT NULL
);
