"""Region reports and the board overview: self-contained HTML built from the region exports."""
