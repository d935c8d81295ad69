-- The model registry: every local model file Astra provisioned, with what a person needs to trust it.
create table models (
  name text primary key,
  kind text not null check (kind in ('generation', 'embedding')),
  file_path text not null,
  sha256 text not null,
  size_bytes bigint not null,
  context_length integer not null,
  dimension integer,
  architecture text not null,
  source_package text not null,
  registered_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
