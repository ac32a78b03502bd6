"""Who is signing in: passwords, OpenID Connect, server-side sessions, throttling, resets."""
