-- Rate-limit policies per plan, as data: a tenant's requests are limited by
-- its plan's tenant rate and burst, each of its users by the plan's user
-- rate and burst. Operators change them with `tenantryctl plan set`; every
-- replica applies the change when its cached tenant records expire
-- (TENANTRY_CACHE_TTL_MS), without a restart. Platform-wide, not tenant
-- data: no tenant_id, no Row-Level Security, read-only to the application.
SET lock_timeout = '5s';

CREATE TABLE plans (
  name text PRIMARY KEY CHECK (name IN ('free', 'pro', 'enterprise')),
  tenant_rps integer NOT NULL CHECK (tenant_rps BETWEEN 1 AND 1000000),
  tenant_burst integer NOT NULL CHECK (tenant_burst BETWEEN 1 AND 10000000),
  user_rps integer NOT NULL CHECK (user_rps BETWEEN 1 AND 1000000),
  user_burst integer NOT NULL CHECK (user_burst BETWEEN 1 AND 10000000)
);

INSERT INTO plans (name, tenant_rps, tenant_burst, user_rps, user_burst) VALUES
  ('free', 20, 40, 10, 20),
  ('pro', 200, 400, 50, 100),
  ('enterprise', 1000, 2000, 200, 400);

GRANT SELECT ON plans TO tenantry_app;
GRANT SELECT, UPDATE ON plans TO tenantry_system;
