"""The email digest: rendering it (Jinja2 and premailer, text wrapping), the MIME message,
the recipients, the delivery over SMTP, and the records of who has which post."""
