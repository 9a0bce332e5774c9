-- One canonical form per e-mail address (src/platform/tenancy/identifiers.h):
-- ASCII only, lower case. The application computes it and stores it in
-- users.email_canonical, and sign-in looks accounts up by it, so that no
-- lower() at query time can fold a spelling (U+212A KELVIN SIGN, say) onto
-- an address the rate-limit key did not see. Rows written by a release
-- before this one (during a rolling deploy) get it from a trigger, and the
-- existing rows from the backfill below; the canonical form of an ASCII
-- address is its ASCII lower case (COLLATE "C" folds nothing else). The
-- unique index per tenant is built concurrently by 0008.
--
-- Sign-in reads the tenant and the account in one statement
-- (app_sign_in_account) and records a failure in one statement
-- (app_record_sign_in_failure), whether or not the tenant exists: an unknown
-- slug, an unknown user and a wrong password cost the same round trips.
SET lock_timeout = '5s';

ALTER TABLE users ADD COLUMN email_canonical text;
ALTER TABLE users ADD CONSTRAINT users_email_canonical_form
  CHECK (email_canonical COLLATE "C" ~ '^[!-~]{3,254}$'
         AND email_canonical = lower(email_canonical COLLATE "C")) NOT VALID;

CREATE FUNCTION app_users_email_canonical() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.email_canonical IS NULL AND NEW.email COLLATE "C" ~ '^[!-~]+$' THEN
    NEW.email_canonical := lower(NEW.email COLLATE "C");
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION app_users_email_canonical() FROM PUBLIC;

CREATE TRIGGER users_email_canonical BEFORE INSERT ON users
  FOR EACH ROW EXECUTE FUNCTION app_users_email_canonical();

-- The owner is under Row-Level Security too (FORCE): lifted for the
-- backfill only, inside this migration's transaction.
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
UPDATE users SET email_canonical = lower(email COLLATE "C")
  WHERE email_canonical IS NULL AND email COLLATE "C" ~ '^[!-~]+$';
ALTER TABLE users FORCE ROW LEVEL SECURITY;

-- The tenant named by `slug` and its account with canonical address `email`:
-- no row for an unknown slug; NULL account columns for an unknown address.
-- Runs as the caller, under Row-Level Security: it scopes its own
-- transaction to the tenant it found, as app_enter_tenant would.
CREATE FUNCTION app_sign_in_account(slug text, email text)
  RETURNS TABLE (tenant_id uuid, tenant_active boolean, user_id uuid, password_hash text,
                 role text, user_active boolean)
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant public.tenants%ROWTYPE;
BEGIN
  PERFORM set_config('app.tenant_slug', slug, true);
  SELECT * INTO tenant FROM public.tenants t WHERE t.slug = app_sign_in_account.slug;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('app.tenant_id', tenant.id::text, true);
  RETURN QUERY
    SELECT tenant.id, tenant.status = 'active', u.id, u.password_hash, u.role, u.status = 'active'
    FROM (SELECT 1) AS one
    LEFT JOIN public.users u ON u.email_canonical = app_sign_in_account.email;
END
$$;

-- Audits a failed sign-in on the tenant named by `slug`, if there is one.
CREATE FUNCTION app_record_sign_in_failure(slug text, actor text, request_id text)
  RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant uuid;
BEGIN
  PERFORM set_config('app.tenant_slug', slug, true);
  SELECT t.id INTO tenant FROM public.tenants t WHERE t.slug = app_record_sign_in_failure.slug;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('app.tenant_id', tenant::text, true);
  INSERT INTO public.audit_log (tenant_id, actor, action, resource, request_id)
    VALUES (tenant, actor, 'sign_in_failed', 'auth', app_record_sign_in_failure.request_id);
END
$$;

REVOKE EXECUTE ON FUNCTION app_sign_in_account(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION app_record_sign_in_failure(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_sign_in_account(text, text) TO tenantry_app;
GRANT EXECUTE ON FUNCTION app_record_sign_in_failure(text, text, text) TO tenantry_app;
GRANT UPDATE (email_canonical) ON users TO tenantry_system;
