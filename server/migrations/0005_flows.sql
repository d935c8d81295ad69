-- Flows and their immutable versions, who they are shared with, and runs: per-node state, outputs
-- stored by reference, and a ledger with one row per node activity execution (attempts included).
create table flows (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references users (id) on delete cascade,
  name text not null,
  description text not null default '',
  visibility text not null default 'private' check (visibility in ('private', 'shared')),
  shared_roles text[] not null default '{}',
  latest_version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index flows_owner on flows (owner_id);

create table flow_versions (
  flow_id uuid not null references flows (id) on delete cascade,
  number integer not null,
  graph jsonb not null,
  message text not null default '',
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (flow_id, number)
);

create table flow_shares (
  flow_id uuid not null references flows (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  primary key (flow_id, user_id)
);

create table runs (
  id uuid primary key,
  flow_id uuid not null references flows (id) on delete cascade,
  flow_version integer not null,
  owner_id uuid not null references users (id) on delete cascade,
  workflow_id text not null unique,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'cancelled')),
  inputs jsonb not null default '{}',
  outputs jsonb,
  error text,
  rerun_of uuid references runs (id) on delete set null,
  from_node text,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index runs_owner on runs (owner_id, started_at desc);
create index runs_flow on runs (flow_id, started_at desc);

-- No foreign key to runs: a run started straight on Temporal (benchmarks, notebooks) records its nodes too.
create table run_nodes (
  run_id uuid not null,
  node_id text not null,
  node_type text not null,
  state text not null check (state in ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cached', 'cancelled')),
  attempts integer not null default 0,
  started_at timestamptz,
  finished_at timestamptz,
  error text,
  input_preview text,
  outputs jsonb,
  output_preview text,
  logs jsonb not null default '[]',
  primary key (run_id, node_id)
);

create table run_artifacts (
  id uuid primary key default gen_random_uuid(),
  run_id uuid not null,
  node_id text not null,
  port text not null,
  value jsonb not null,
  bytes integer not null,
  created_at timestamptz not null default now()
);
create index run_artifacts_run on run_artifacts (run_id);

-- The per-activity ledger: a row when a node activity starts, finished when it ends.
create table node_executions (
  id bigserial primary key,
  run_id uuid not null,
  node_id text not null,
  activity text not null,
  attempt integer not null,
  worker text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text check (outcome in ('succeeded', 'failed'))
);
create index node_executions_run on node_executions (run_id, node_id);
