"""The CRM's views by job: `home`, `lists`, `records`, `forms` (pages), `files` (downloads
and uploads), `lookups`, `api` (the JSON API); `access` guards them all."""
