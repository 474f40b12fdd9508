"""Region exports: disclosure control, region files, atomic publication."""
