"""narrator: Persian news articles narrated into chaptered MP3 files."""

__version__ = "0.1.0"
