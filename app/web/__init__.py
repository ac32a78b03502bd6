"""The HTML shell: templates, security headers, CSRF, error pages."""
