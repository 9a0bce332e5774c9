# The cluster's secrets, made once per $TENANTRY_VAR when missing: the Redis
# password, the access-token signing key and its JWKS (tenantryctl), and
# HAProxy's self-signed certificate (openssl). PostgreSQL's passwords are
# scripts/pg's (external.pg_init).
import os
import re
import secrets as random

from .cluster_env import Config


def make_secrets(var: str, external) -> None:
    directory = os.path.join(var, "secrets")
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o700)
    redis = os.path.join(directory, "redis-password")
    if not os.path.exists(redis) or os.path.getsize(redis) == 0:
        fd = os.open(redis, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(random.token_hex(32) + "\n")
    os.chmod(redis, 0o600)
    # Rotate with: tenantryctl keys rotate --dir $TENANTRY_VAR/secrets/keys
    keys = os.path.join(directory, "keys")
    key = os.path.join(keys, "signing-key.pem")
    if not os.path.exists(key) or os.path.getsize(key) == 0:
        external.generate_signing_key(keys)


def certificate_names(config: Config) -> str:
    """The certificate's subjectAltName: localhost, and the load balancer's
    address and public host when they are others."""
    san = "DNS:localhost,IP:127.0.0.1"
    addr, host = config.cluster["TENANTRY_LB_ADDR"], config.cluster["TENANTRY_PUBLIC_HOST"]
    if addr != "127.0.0.1":
        san += f",IP:{addr}"
    if host != "localhost":
        san += f",IP:{host}" if re.fullmatch(r"[0-9.]+", host) else f",DNS:{host}"
    return san


def make_certificate(var: str, config: Config, external, out) -> None:
    """HAProxy's certificate, made once per $TENANTRY_VAR."""
    pem = os.path.join(var, "tls", "haproxy.pem")
    if os.path.exists(pem) and os.path.getsize(pem) > 0:
        return
    out.info(f"making a self-signed TLS certificate: {os.path.join(var, 'tls', 'cert.pem')}")
    external.make_certificate(os.path.join(var, "tls"), certificate_names(config))
