-- A node attempt can now end cancelled (a failed sibling or a cancelled run stops it), not only succeeded or failed.
alter table node_executions drop constraint node_executions_outcome_check;
alter table node_executions add constraint node_executions_outcome_check check (outcome in ('succeeded', 'failed', 'cancelled'));
