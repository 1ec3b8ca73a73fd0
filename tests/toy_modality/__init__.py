"""A toy modality, to show that a new kind of media is one package: integer sequences in
files that start with `TOYSEQ1\n` followed by one number per line (`.seq`). Nothing outside
this package names it; importing it registers the modality and its transforms.
"""

from mediasynth.core.modality import Modality, register_modality

MAGIC = b"TOYSEQ1\n"
MODALITY = Modality(
    kind="toyseq", handler="tests.toy_modality.handler:SequenceHandler",
    chains={"toyseq": "toyseq"}, extensions=(".seq",),
    sniff=lambda head, suffix: "seq" if head.startswith(MAGIC) else None,
    transforms="tests.toy_modality.transforms", stats_keys=("length", "mean"),
    report_tile="tests.toy_modality.tile:report_tile")


def register() -> None:
    """Register the modality and its transform (again, after a test removed them)."""
    from mediasynth.core.registry import register as register_transform
    from tests.toy_modality.transforms import Shift

    register_modality(MODALITY, __name__)
    register_transform("toy.shift")(Shift)


register()
