-- What the system role (tenantry_system: workers and the operator CLI, with
-- BYPASSRLS) may do across tenants: manage tenants, relay and clean up the
-- outbox, expire idempotency keys. The audit log stays append-only for it
-- too. The role itself is created by `scripts/pg bootstrap` (creating a
-- BYPASSRLS role takes a superuser, which migrations never run as).
SET lock_timeout = '5s';

GRANT USAGE ON SCHEMA public TO tenantry_system;
GRANT EXECUTE ON FUNCTION app_tenant_id() TO tenantry_system;
GRANT SELECT, INSERT, UPDATE ON tenants TO tenantry_system;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, projects, tasks, idempotency_keys, outbox
  TO tenantry_system;
GRANT SELECT, INSERT ON audit_log TO tenantry_system;
