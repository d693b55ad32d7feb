"""The portal's Content-Security-Policy: scripts and styles from our own static folders
only (no inline code can run), and its pages framed by its own pages only (the web
phone page, dialer/, frames them)."""

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'self'")
