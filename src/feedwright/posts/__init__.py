"""The posts: finding a site's post files, splitting and parsing their front matter (YAML
or TOML), their dates, permalinks, slugs, excerpts and Markdown, into ``Post``s, which
``collect`` orders newest first."""
