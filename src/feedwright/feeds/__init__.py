"""The feeds: which posts each feed shows (``groups``), and the Atom, RSS and JSON Feed
documents (``render``)."""
