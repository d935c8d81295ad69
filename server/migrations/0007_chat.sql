-- Chat over published flows: apps (a pinned flow version with a slug), API keys scoped to apps,
-- and conversations with their messages.
create table chat_apps (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  title text not null,
  description text not null default '',
  flow_id uuid not null references flows (id) on delete cascade,
  flow_version integer not null,
  owner_id uuid not null references users (id) on delete cascade,
  visibility text not null default 'private' check (visibility in ('private', 'shared', 'keys')),
  shared_roles text[] not null default '{}',
  shared_users uuid[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (flow_id, flow_version) references flow_versions (flow_id, number) on delete cascade
);
create index chat_apps_owner on chat_apps (owner_id);

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  name text not null,
  key_hash text not null unique,
  -- The first characters of the key, shown in lists so a person can tell keys apart.
  prefix text not null,
  -- null: every app the owner may use; otherwise only these (by id, so a renamed slug keeps its keys).
  app_ids uuid[],
  rate_per_minute integer not null default 120 check (rate_per_minute between 1 and 100000),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index api_keys_user on api_keys (user_id, created_at desc);

create table conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  app_id uuid not null references chat_apps (id) on delete cascade,
  title text not null default 'New conversation',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index conversations_user on conversations (user_id, app_id, updated_at desc);

create table chat_messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references conversations (id) on delete cascade,
  seq integer not null,
  role text not null check (role in ('user', 'assistant')),
  content text not null,
  citations jsonb not null default '[]',
  run_id uuid,
  status text not null default 'done' check (status in ('done', 'streaming', 'failed', 'stopped')),
  error text,
  prompt_tokens integer,
  completion_tokens integer,
  first_token_ms integer,
  duration_ms integer,
  created_at timestamptz not null default now(),
  unique (conversation_id, seq)
);
