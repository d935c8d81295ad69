-- When a collection's vectors were last rewritten by a rebuild: retrieval's result caches key on it beside
-- the documents' own changes, so results cached before Chroma lost its data are not served after a rebuild.
alter table collections add column vectors_rebuilt_at timestamptz;

-- Each term's document frequency per collection, kept as postings come and chunks go, so a keyword query
-- reads it from one row per term: counting a term's postings at query time cost 3-16 ms a term at 100k chunks.
-- Rows are written in term order, so two ingests that touch the same terms wait for each other, not deadlock.
create table chunk_term_stats (
  collection_id uuid not null references collections (id) on delete cascade,
  term text not null,
  df integer not null,
  primary key (collection_id, term)
);

insert into chunk_term_stats (collection_id, term, df)
select collection_id, term, count(*) from chunk_postings group by collection_id, term;

create function chunk_term_stats_added() returns trigger language plpgsql as $$
begin
  insert into chunk_term_stats as s (collection_id, term, df)
  select collection_id, term, count(*) from added group by collection_id, term order by collection_id, term
  on conflict (collection_id, term) do update set df = s.df + excluded.df;
  return null;
end $$;

-- A chunk's terms are the lexemes of its search vector, one posting each: a deleted chunk takes them away.
create function chunk_term_stats_removed() returns trigger language plpgsql as $$
begin
  update chunk_term_stats s set df = s.df - gone.n
    from (select o.collection_id, t.lexeme as term, count(*)::int as n from removed o, unnest(o.search) t
           group by o.collection_id, t.lexeme order by o.collection_id, t.lexeme) gone
   where s.collection_id = gone.collection_id and s.term = gone.term;
  return null;
end $$;

create trigger chunk_postings_count_terms after insert on chunk_postings
  referencing new table as added for each statement execute function chunk_term_stats_added();
create trigger chunks_uncount_terms after delete on chunks
  referencing old table as removed for each statement execute function chunk_term_stats_removed();
