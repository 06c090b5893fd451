"""The trio server: listeners, client sessions, dispatch."""
