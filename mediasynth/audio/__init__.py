"""Audio kernels (`functional/`), transforms (`transforms/`) and spectrogram helpers; the
audio modality, and the public namespace of its transform classes (`from mediasynth.audio
import AddNoise`, loaded on first use, the registry's own class)."""

from mediasynth.core.modality import Modality, register_modality

register_modality(Modality(
    kind="audio", handler="mediasynth.audio.handler:AudioHandler", chains={"audio": "audio"},
    extensions=(".wav", ".flac", ".ogg", ".oga", ".mp3", ".m4a", ".aac", ".aif", ".aiff",
                ".opus"),
    transforms="mediasynth.audio.transforms", stats_keys=("rms_db", "duration_s"),
    report_tile="mediasynth.audio.previews:report_tile"), __name__)


def __getattr__(name: str):
    """Every registered audio transform class by its class name, loaded on first use:
    `from mediasynth.audio import ...` gives the registry's own class."""
    from mediasynth.core.registry import namespace_attribute

    return namespace_attribute(__name__, "audio", name)


def __dir__() -> list[str]:
    from mediasynth.core.registry import namespace_names

    return sorted({*globals(), *namespace_names("audio")})
