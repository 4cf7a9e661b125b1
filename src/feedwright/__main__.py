"""``python -m feedwright`` runs the command line."""

from feedwright.cli import main

main()
