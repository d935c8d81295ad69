-- OpenID Connect sign-in: a user signed in through the provider is known by issuer and subject; a
-- sign-in under way keeps its state, nonce and PKCE verifier here until its callback uses them, once.
alter table users add column oidc_issuer text, add column oidc_subject text;
create unique index users_oidc_identity on users (oidc_issuer, oidc_subject) where oidc_subject is not null;

create table oidc_logins (
  state text primary key,
  nonce text not null,
  code_verifier text not null,
  created_at timestamptz not null default now()
);
