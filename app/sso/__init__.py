"""Signing in with OpenID Connect (Authlib): state, nonce and PKCE; identity = issuer + subject."""
