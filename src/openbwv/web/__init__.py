"""The web application: server-rendered pages (Jinja2 + htmx), shared layout, page sign-in."""
