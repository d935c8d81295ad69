-- Scheduled ingestion: the Temporal Schedule (id astra-<owner_id>-<name>) does the firing; this row says
-- whose it is and what it ingests. Each run's ingest_runs row is written by planIngest, owned through the collection.
create table schedules (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references users (id) on delete cascade,
  name text not null,
  collection_id uuid not null references collections (id) on delete cascade,
  -- The IngestSource the schedule's runs get: {"kind":"path","path":...,"glob":...} or {"kind":"url","url":...}.
  source jsonb not null,
  -- As the user gave it: "every 15m" or "cron 0 3 * * *".
  spec text not null,
  created_at timestamptz not null default now(),
  unique (owner_id, name)
);
