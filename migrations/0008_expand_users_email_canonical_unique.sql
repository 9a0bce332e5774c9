-- At most one account per canonical address in a tenant (0007 adds the
-- column). Built concurrently: users stays writable while it builds.
SET lock_timeout = '5s';

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_tenant_email_canonical
  ON users (tenant_id, email_canonical);
