-- Service accounts: a tenant's non-human clients, which get access tokens
-- with the client_credentials grant. The secret is 256 random bits, so a
-- SHA-256 of it (not a slow password hash) is what is stored.
SET lock_timeout = '5s';

CREATE TABLE service_accounts (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  secret_hash text NOT NULL CHECK (length(secret_hash) = 64),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

ALTER TABLE service_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON service_accounts USING (tenant_id = app_tenant_id())
  WITH CHECK (tenant_id = app_tenant_id());

GRANT SELECT, INSERT, UPDATE ON service_accounts TO tenantry_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON service_accounts TO tenantry_system;
