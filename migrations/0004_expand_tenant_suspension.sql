-- Entering a tenant checks that it is active, in the same statement that
-- scopes the transaction (SELECT app_enter_tenant($1) replaces the bare
-- set_config): a suspended tenant's requests stop reaching its data on every
-- replica at once, whatever tokens they carry. The check raises, so a
-- pipelined transaction cannot commit anything after it. Platform
-- operations on a suspended tenant (reactivating it) pass allow_inactive.
-- The application may also create a tenant row for the tenant its
-- transaction is scoped to, and change its status (platform-admin routes).
SET lock_timeout = '5s';

CREATE FUNCTION app_enter_tenant(tenant uuid, allow_inactive boolean DEFAULT false)
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('app.tenant_id', tenant::text, true);
  IF NOT allow_inactive AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = tenant AND status = 'active') THEN
    RAISE EXCEPTION 'tenant % is not active', tenant USING ERRCODE = 'TN001';
  END IF;
END
$$;

GRANT EXECUTE ON FUNCTION app_enter_tenant(uuid, boolean) TO tenantry_app, tenantry_system;
GRANT INSERT, UPDATE (status, name, plan) ON tenants TO tenantry_app;
