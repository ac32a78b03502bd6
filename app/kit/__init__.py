"""The shared kit: mechanisms every domain uses instead of writing its own."""
