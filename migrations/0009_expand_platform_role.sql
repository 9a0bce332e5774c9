-- Defence in depth under the application role (tenantry_app), which every
-- tenant's requests use:
-- - Tenant rows are written by the platform role (tenantry_platform, made by
--   scripts/pg like the others: it logs in, owns nothing, cannot bypass
--   Row-Level Security), which only the operator routes use, on a pool of
--   their own (PLATFORM_DATABASE_URL). The application role can no longer
--   insert or update a tenant, so no tenant-scoped request can change its own
--   tenant's plan or status, whatever SQL it manages to run.
-- - Entering a tenant whatever its status (allow_inactive) is for the
--   platform and system roles only. The function keeps its signature:
--   replicas of the previous release call it on every transaction while a
--   deploy rolls, so it refuses the flag from anyone else rather than being
--   taken away.
-- - Functions resolve names from a pinned search_path, or name their
--   schema: a schema or temporary table put earlier in the path cannot stand
--   in for tenants. app_tenant_id() stays a plain SQL function without SET
--   (a SET clause would stop PostgreSQL from inlining it into the policies,
--   and with it the use of the primary-key indexes under them): its
--   references are schema-qualified instead.
-- - No temporary objects for the roles that serve requests (pg_temp is the
--   first schema of an unpinned search_path).
-- During a deploy, the previous release's operator routes (POST/PATCH
-- /v1/tenants), which wrote tenants as the application role, are refused
-- with a permission error until their replica is replaced.
SET lock_timeout = '5s';

CREATE OR REPLACE FUNCTION public.app_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')::pg_catalog.uuid $$;

CREATE OR REPLACE FUNCTION public.app_enter_tenant(tenant uuid, allow_inactive boolean DEFAULT false)
  RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF allow_inactive AND NOT (pg_has_role(current_user, 'tenantry_platform', 'MEMBER')
                             OR pg_has_role(current_user, 'tenantry_system', 'MEMBER')) THEN
    RAISE EXCEPTION 'only the platform role enters a tenant whatever its status'
      USING ERRCODE = '42501';
  END IF;
  PERFORM set_config('app.tenant_id', tenant::text, true);
  IF NOT allow_inactive
     AND NOT EXISTS (SELECT 1 FROM public.tenants t WHERE t.id = tenant AND t.status = 'active') THEN
    RAISE EXCEPTION 'tenant % is not active', tenant USING ERRCODE = 'TN001';
  END IF;
END
$$;

REVOKE EXECUTE ON FUNCTION public.app_tenant_id() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.app_enter_tenant(uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_tenant_id() TO tenantry_app, tenantry_system, tenantry_platform;
GRANT EXECUTE ON FUNCTION public.app_enter_tenant(uuid, boolean)
  TO tenantry_app, tenantry_system, tenantry_platform;

REVOKE INSERT, UPDATE ON tenants FROM tenantry_app;
GRANT USAGE ON SCHEMA public TO tenantry_platform;
GRANT SELECT, INSERT ON tenants TO tenantry_platform;
GRANT UPDATE (name, status, plan) ON tenants TO tenantry_platform;
GRANT SELECT, INSERT ON users TO tenantry_platform;
GRANT INSERT ON audit_log TO tenantry_platform;
GRANT SELECT ON plans TO tenantry_platform;

DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC, tenantry_app, tenantry_platform',
                 current_database());
END
$$;
