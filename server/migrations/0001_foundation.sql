-- Users, sessions, API tokens and one-time login links; the self-check table of the foundation workflow.
create table users (
  id uuid primary key default gen_random_uuid(),
  username text not null unique,
  password_hash text,
  role text not null check (role in ('admin', 'user', 'pending')),
  created_at timestamptz not null default now(),
  approved_at timestamptz
);

create table sessions (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user_id on sessions (user_id);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);

create table login_links (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);

create table self_checks (
  check_id text primary key,
  note text not null,
  created_at timestamptz not null default now()
);
