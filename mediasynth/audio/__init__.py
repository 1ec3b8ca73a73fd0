"""Audio kernels (`functional/`), transforms (`transforms/`) and spectrogram helpers; the
audio modality."""

from mediasynth.core.modality import Modality, register_modality

register_modality(Modality(
    kind="audio", handler="mediasynth.audio.handler:AudioHandler", chains={"audio": "audio"},
    extensions=(".wav", ".flac", ".ogg", ".oga", ".mp3", ".m4a", ".aac", ".aif", ".aiff",
                ".opus"),
    transforms="mediasynth.audio.transforms", stats_keys=("rms_db", "duration_s")), __name__)
