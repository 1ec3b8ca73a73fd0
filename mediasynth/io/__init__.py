"""Input/output: discovery and sniffing, image/audio read/write, atomic writes, FFmpeg."""
