"""What gets published: ID3 tags, and later transcripts, chapter files and feeds."""
