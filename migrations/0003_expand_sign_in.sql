-- Sign-in: refresh tokens, stored as SHA-256 hashes, rotated on every use
-- and grouped in families so that the reuse of a rotated token (a stolen
-- copy) revokes the whole family; and a policy that lets the sign-in
-- transaction see the one tenant whose slug it names (set_config(
-- 'app.tenant_slug', $1, true)), since it does not know the tenant id yet.
SET lock_timeout = '5s';

CREATE TABLE refresh_tokens (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  family_id uuid NOT NULL,
  user_id uuid NOT NULL,
  token_hash text NOT NULL CHECK (length(token_hash) = 64),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (tenant_id, token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id);

ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refresh_tokens USING (tenant_id = app_tenant_id())
  WITH CHECK (tenant_id = app_tenant_id());

CREATE POLICY tenant_by_slug ON tenants FOR SELECT
  USING (slug = NULLIF(current_setting('app.tenant_slug', true), ''));

GRANT SELECT, INSERT, UPDATE ON refresh_tokens TO tenantry_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_tokens TO tenantry_system;
