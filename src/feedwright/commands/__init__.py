"""One module per command: each runs its stages in order (``site`` → ``posts`` → ``feeds``
and ``mail`` → the writer or SMTP), with its own Options type. The CLI is a thin layer
over these functions."""
