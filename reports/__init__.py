"""Reports: weekly digests, spike alerts, and their delivery (SMTP, webhook, dry-run)."""
