-- Keyword retrieval scores chunks with BM25 (ts_rank is not BM25). Each chunk records its length in
-- terms; each (chunk, term) is a posting with the term's frequency, the chunk's length and an impact
-- (BM25's term weight with a fixed average length) that orders a term's postings, so a query reads
-- only the best postings of each of its terms through the index and scores them exactly.
alter table chunks add column term_count integer not null default 0;

create table chunk_postings (
  collection_id uuid not null references collections (id) on delete cascade,
  term text not null,
  chunk_id text not null references chunks (id) on delete cascade,
  tf integer not null,
  dl integer not null,
  impact real not null,
  primary key (collection_id, term, chunk_id)
);
-- A query reads a term's best postings from this index alone (index-only scans).
create index chunk_postings_impact on chunk_postings (collection_id, term, impact desc) include (chunk_id, tf, dl);
-- Deleting a document's chunks cascades here by chunk id.
create index chunk_postings_chunk on chunk_postings (chunk_id);

-- BM25 (k1 = 1.2, b = 0.75) without its idf, the average length taken as half the collection's chunk size in
-- model tokens (about what a chunk holds in terms once stop words are gone): only orders postings; the query
-- scores with the collection's real average length.
create function bm25_impact(tf integer, dl integer, chunk_tokens integer) returns real language sql immutable as $$
  select (tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / greatest(chunk_tokens * 0.5, 1.0))))::real
$$;

update chunks set term_count = coalesce((select sum(coalesce(array_length(positions, 1), 1)) from unnest(search)), 0);

insert into chunk_postings (collection_id, term, chunk_id, tf, dl, impact)
select c.collection_id, t.lexeme, c.id, coalesce(array_length(t.positions, 1), 1), c.term_count,
       bm25_impact(coalesce(array_length(t.positions, 1), 1), c.term_count, k.chunk_tokens)
  from chunks c join collections k on k.id = c.collection_id, unnest(c.search) t;
