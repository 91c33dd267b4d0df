"""``python -m narrator``."""

from narrator.cli import main_entry

main_entry()
