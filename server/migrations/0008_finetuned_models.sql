-- Fine-tuned models in the same registry as provisioned ones: a LoRA GGUF served on top of its base
-- file (lora_path set) or a merged file of its own, with its lineage (base, dataset hash,
-- hyperparameters, metrics, file sha256) as the Register Model node recorded it.
alter table models add column base_model text references models (name) on delete restrict;
alter table models add column lora_path text;
alter table models add column lineage jsonb;
