-- fieldcrm on PostgreSQL, schema 3: a record's and a change set's JSON are
-- kept as crm wrote them (json keeps the text; jsonb rewrote it, "a":"b" as
-- "a": "b" with its keys reordered, and crm reads some of its JSON by its
-- bytes: a user's role, its decoded-record cache).
ALTER TABLE users ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE accounts ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE contacts ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE leads ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE opps ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE activities ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE equipment ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE competitors ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE campaigns ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE documents ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE requests ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE changesets ALTER COLUMN data TYPE json USING data::json;
