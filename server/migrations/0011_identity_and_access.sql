-- Identity and access: the audit log, model access grants, sessions you can see, suspended users.

-- One row per action a person took. No foreign keys: a row outlives the user, key or flow it names.
create table audit_events (
  id bigint generated always as identity primary key,
  at timestamptz not null default clock_timestamp(),
  actor_id uuid,
  -- The username at the time (a failed sign-in names the username that was tried).
  actor text,
  action text not null,
  target text,
  outcome text not null default 'success' check (outcome in ('success', 'failure')),
  ip text,
  user_agent text,
  detail jsonb not null default '{}'
);
create index audit_events_at on audit_events (at desc, id desc);
create index audit_events_action on audit_events (action, at desc);
create index audit_events_actor on audit_events (actor, at desc);

-- Append-only from the application's side: no update, delete or truncate reaches a row.
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the audit log is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
end
$$;
create trigger audit_events_no_row_change before update or delete on audit_events
  for each row execute function audit_events_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_append_only();

-- Who may use a model or a published app. No row for a name: open to every approved user; once a
-- name has a row, only the users and roles named (and admins) may use it.
create table model_access (
  kind text not null check (kind in ('model', 'app')),
  name text not null,
  user_id uuid references users (id) on delete cascade,
  role text check (role in ('admin', 'user')),
  granted_by uuid references users (id) on delete set null,
  granted_at timestamptz not null default now(),
  check ((user_id is null) <> (role is null)),
  unique nulls not distinct (kind, name, user_id, role)
);
create index model_access_name on model_access (kind, name);

-- Sessions get an id to list and revoke them by, and where and when they were last used (idle timeout).
alter table sessions
  add column id uuid not null default gen_random_uuid() unique,
  add column last_used_at timestamptz not null default now(),
  add column ip text,
  add column user_agent text;

alter table api_tokens
  add column last_ip text,
  add column last_user_agent text;

alter table api_keys
  add column last_ip text,
  add column last_user_agent text;

-- A suspended user keeps their data but signs in with nothing until an admin lifts it.
alter table users add column suspended_at timestamptz;
