"""The site: its configuration (``feedwright.toml``, else a Jekyll ``_config.yml``) read
into a ``Site``, and where its templates come from. Every other stage starts here."""
