"""Settings: `base` (with `environment`, where values come from, and `background`, Celery's)
reads everything from the environment; `production` (manage.py, wsgi, asgi, Celery, the
deploy units, `make run`) and `test` (pytest) add their overrides on top.

Importing a settings module only reads values: no file is written, no service started, no
value checked. The checks (a missing secret with DEBUG off, a malformed data-center entry,
…) are Django system checks in core/checks.py, run by `manage.py check`, `migrate`,
`runserver` and every command, and at wsgi, asgi and Celery start-up.
"""
