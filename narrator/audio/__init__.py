"""Audio: decoding, pauses and joining, loudness, MP3 encoding."""
