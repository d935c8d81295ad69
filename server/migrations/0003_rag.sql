-- Collections of documents, the document ledger (Chroma can always be rebuilt from it), chunk text for
-- keyword search, and the per-run plan that makes every ingest exact after a crash.
create table collections (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  owner_id uuid not null references users (id) on delete cascade,
  embedding_model text not null,
  chunk_tokens integer not null,
  overlap_tokens integer not null,
  chroma_name text not null unique,
  created_at timestamptz not null default now(),
  unique (owner_id, name)
);

create table documents (
  id uuid primary key default gen_random_uuid(),
  collection_id uuid not null references collections (id) on delete cascade,
  source text not null,
  title text,
  content_hash text not null,
  version integer not null default 1,
  status text not null check (status in ('indexed', 'failed')),
  error text,
  chunk_ids text[] not null default '{}',
  updated_at timestamptz not null default now(),
  unique (collection_id, source)
);

create table chunks (
  id text primary key,
  collection_id uuid not null references collections (id) on delete cascade,
  document_id uuid not null references documents (id) on delete cascade,
  source text not null,
  ord integer not null,
  title text,
  heading_path text[] not null default '{}',
  start_offset integer not null,
  end_offset integer not null,
  text text not null,
  -- Written with the row (title, headings and text); a generated column cannot use array_to_string.
  search tsvector not null
);
create index chunks_collection on chunks (collection_id);
create index chunks_search on chunks using gin (search);

create table ingest_runs (
  workflow_id text primary key,
  collection_id uuid not null references collections (id) on delete cascade,
  owner_id uuid not null references users (id) on delete cascade,
  source text not null,
  planned integer,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  summary jsonb
);

-- One row per source a run will look at, with its outcome once processed (written in the same
-- transaction as the ledger), so a retried batch never counts a document twice.
create table ingest_items (
  workflow_id text not null references ingest_runs (workflow_id) on delete cascade,
  ord integer not null,
  source text not null,
  outcome text check (outcome in ('new', 'updated', 'skipped', 'failed')),
  chunks integer,
  error text,
  primary key (workflow_id, ord)
);
