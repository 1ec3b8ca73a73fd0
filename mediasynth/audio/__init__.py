"""Audio kernels (`functional/`), transforms (`transforms/`) and spectrogram helpers; the
audio modality, and the public namespace of its transform classes (`from mediasynth.audio
import AddNoise`, loaded on first use, the registry's own class)."""

from mediasynth.core.modality import Modality, register_modality
from mediasynth.core.namespaces import transform_namespace

register_modality(Modality(
    kind="audio", handler="mediasynth.audio.handler:AudioHandler", chains={"audio": "audio"},
    extensions=(".wav", ".flac", ".ogg", ".oga", ".mp3", ".m4a", ".aac", ".aif", ".aiff",
                ".opus"),
    transforms="mediasynth.audio.transforms", stats_keys=("rms_db", "duration_s"),
    report_tile="mediasynth.audio.previews:report_tile"), __name__)


__getattr__, __dir__ = transform_namespace(__name__, "audio")
