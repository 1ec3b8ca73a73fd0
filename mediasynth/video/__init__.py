"""Video: temporal transforms, probing, FFmpeg filtergraphs, streamed frame processing; the
video modality (its frames go through an image chain, its soundtrack through an audio one),
and the public namespace of its temporal transform classes (`from mediasynth.video import
Speed`, loaded on first use, the registry's own class)."""

from mediasynth.core.modality import Modality, register_modality
from mediasynth.core.namespaces import transform_namespace

register_modality(Modality(
    kind="video", handler="mediasynth.video.handler:VideoHandler",
    chains={"video.frames": "image", "video.temporal": "video", "video.audio": "audio"},
    extensions=(".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ogv", ".3gp", ".mpg",
                ".mpeg", ".ts", ".mts", ".wmv", ".flv"),
    transforms="mediasynth.video.transforms", stats_keys=("duration_s",),
    report_tile="mediasynth.video.keyframes:report_tile"), __name__)


__getattr__, __dir__ = transform_namespace(__name__, "video")
