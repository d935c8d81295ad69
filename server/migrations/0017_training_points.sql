-- The loss curve of each Fine-tune (LoRA) node, one row per step, written as the trainer reports it,
-- so a run view opened (or reopened) mid-training and a notebook both read the whole curve so far.
-- A retry after a killed worker goes over the steps after its checkpoint again and overwrites them.
-- No foreign key to runs, like run_nodes: a run started straight on Temporal records its points too.
create table run_training_points (
  run_id uuid not null,
  node_id text not null,
  step integer not null,
  steps integer not null,
  loss double precision,
  val_loss double precision,
  tokens_per_second double precision,
  eta_seconds double precision,
  at timestamptz not null default now(),
  primary key (run_id, node_id, step)
);
