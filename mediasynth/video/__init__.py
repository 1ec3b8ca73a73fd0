"""Video: temporal transforms, probing, FFmpeg filtergraphs, streamed frame processing."""
