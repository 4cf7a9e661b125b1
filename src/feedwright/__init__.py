"""feedwright: Markdown blog posts in, Atom/RSS/JSON feeds and an email digest out.

The stages, each in its own module, in the order the data flows:
``config`` (the Site) → ``collector`` (Posts) → ``feeds`` (files) → ``writer`` (disk);
``build`` runs them in order and the ``cli`` sits on top.
"""

__version__ = "0.1.0"
