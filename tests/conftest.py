"""Shared fixtures: small media made at test time."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

from mediasynth.core.media import Audio, Image  # noqa: E402


def scene(height: int = 48, width: int = 64, channels: int = 3, dtype=np.uint8) -> Image:
    """A gradient background with a bright rectangle, its mask, box and corner keypoints."""
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([(xx * 255 / width), (yy * 255 / height), ((xx + yy) * 127 / (width + height))],
                    axis=2).astype(np.float32) / 255.0
    x0, y0, x1, y1 = width // 4, height // 4, width // 2, height // 2 + 4
    base[y0:y1, x0:x1] = 1.0
    if channels == 1:
        base = base.mean(axis=2, keepdims=True)
    elif channels == 4:
        alpha = np.full((height, width, 1), 0.8, np.float32)
        base = np.concatenate([base, alpha], axis=2)
    if dtype == np.uint8:
        pixels = np.rint(base * 255).astype(np.uint8)
    elif dtype == np.uint16:
        pixels = np.rint(base * 65535).astype(np.uint16)
    else:
        pixels = base.astype(np.float32)
    mask = np.zeros((height, width), np.uint8)
    mask[y0:y1, x0:x1] = 1
    boxes = np.array([[x0, y0, x1, y1]], dtype=np.float64)
    keypoints = np.array([[x0 + 0.5, y0 + 0.5], [x1 - 0.5, y1 - 0.5]], dtype=np.float64)
    return Image(pixels, mask=mask, boxes=boxes, keypoints=keypoints,
                 meta={"box_ids": np.arange(1)})


def tone(channels: int = 1, sample_rate: int = 16000, seconds: float = 1.0,
         freq_hz: float = 440.0) -> Audio:
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    rows = [0.5 * np.sin(2 * np.pi * freq_hz * (1 + 0.25 * c) * t) for c in range(channels)]
    return Audio(np.asarray(rows, dtype=np.float32), sample_rate)


@pytest.fixture
def rgb_scene() -> Image:
    return scene()


@pytest.fixture
def mono_tone() -> Audio:
    return tone()


# --- test tiers -------------------------------------------------------------------------
# `pytest` runs everything (CI runs it); `pytest -m "not slow"` is the fast tier (under 90 s
# on 2 cores): unit tests of modules, without end-to-end runs. A test is slow when it takes
# more than about half a second: it runs `expand` or another command, encodes with FFmpeg,
# starts a cluster or trains a probe. Mark it here (its module when most of the module is
# slow, else the test: every parametrization of a listed function is slow) or with
# `pytestmark = pytest.mark.slow` / `@pytest.mark.slow` in the file. Measured with
# `pytest --durations=0` (docs/architecture.md, Testing); tests/test_tiers.py checks that
# every entry names an existing file and function.
SLOW_MODULES = {
    "tests/engine/test_balance_objects.py",
    "tests/engine/test_dask.py",
    "tests/engine/test_dask_executor.py",
    "tests/engine/test_dataset_card.py",
    "tests/engine/test_ecosystem_outputs.py",
    "tests/engine/test_expand.py",
    "tests/engine/test_replay.py",
    "tests/engine/test_exports.py",
    "tests/engine/test_groups_and_folds.py",
    "tests/engine/test_integrity.py",
    "tests/engine/test_metadata_privacy.py",
    "tests/engine/test_near_duplicates.py",
    "tests/engine/test_source_stamps.py",
    "tests/engine/test_split_sizes.py",
    "tests/engine/test_synthesize.py",
    "tests/image/test_mixing.py",
    "tests/image/test_signature.py",
    "tests/io/layouts/test_coco.py",
    "tests/io/layouts/test_coco_read.py",
    "tests/io/layouts/test_cvat.py",
    "tests/io/layouts/test_labelstudio.py",
    "tests/io/layouts/test_tracks.py",
    "tests/io/layouts/test_unclaimed.py",
    "tests/io/layouts/test_voc.py",
    "tests/io/layouts/test_yolo.py",
    "tests/io/layouts/test_yolo_voc_masks.py",
    "tests/io/test_ffmpeg.py",
    "tests/loaders/test_mixing.py",
    "tests/loaders/test_torch.py",
    "tests/report/quality/test_audit.py",
    "tests/report/quality/test_evaluate.py",
    "tests/report/quality/test_probes.py",
    "tests/report/test_previews.py",
    "tests/report/test_report.py",
    "tests/report/test_report_portable.py",
    "tests/test_api.py",
    "tests/test_cli_hostile.py",
    "tests/test_cli_signals.py",
    "tests/test_readme.py",
    "tests/test_samples_demo.py",
    "tests/video/test_clips.py",
    "tests/video/test_damage.py",
    "tests/video/test_hooks.py",
    "tests/video/test_render.py",
    "tests/video/test_sync.py",
}
SLOW_TESTS = {
    "tests/audio/test_mixing.py::test_background_recordings_come_through_the_engine_split_like_sources",
    "tests/audio/test_mixing.py::test_mixed_rows_replay_byte_identical_and_workers_change_nothing",
    "tests/audio/test_mixing.py::test_mixed_tone_events_keep_their_edges_within_5_ms",
    "tests/audio/test_mixing.py::test_partners_across_classes_give_soft_labels_and_neighbours_stay_in_class",
    "tests/audio/test_spectrogram.py::test_matches_librosa_htk_mel",
    "tests/audio/test_stretch.py::test_pitch_shift_is_within_a_cent_and_pure_at_every_semitone",
    "tests/engine/test_declared_splits.py::test_declared_subsets_are_kept_train_augmented_val_copied",
    "tests/engine/test_declared_splits.py::test_resplit_moves_sources_and_says_how_many",
    "tests/core/test_modality.py::test_a_plugin_modality_expands_validates_replays_reports_and_loads",
    "tests/engine/test_run_warnings.py::test_duplicate_outputs_are_one_line_under_quiet",
    "tests/engine/test_split.py::test_adding_or_deleting_k_sources_moves_at_most_3k_others",
    "tests/engine/test_worker_process.py::test_prepared_worker_reuses_freed_frames_instead_of_faulting_new_pages",
    "tests/image/test_albumentations_bridge.py::test_expand_runs_a_saved_file_the_same_on_1_and_2_workers",
    "tests/image/test_color.py::test_saturation_of_a_large_image_stays_within_a_few_bytes_per_pixel",
    "tests/io/layouts/test_datumaro_exports.py::test_voc_integer_boxes_stay_one_based_and_inside_the_image",
    "tests/io/layouts/test_datumaro_exports.py::test_voc_out_has_a_labelmap_and_keeps_the_source_coordinates",
    "tests/io/layouts/test_events.py::test_expand_writes_dcase_tables_per_split_and_reads_them_back",
    "tests/io/layouts/test_events.py::test_synth_tones_expanded_keep_every_event_edge_within_5_ms",
    "tests/io/layouts/test_json_keys.py::test_keys_match_json_loads_on_hostile_documents",
    "tests/io/layouts/test_subsets.py::test_every_reader_sets_the_declared_subset",
    "tests/io/test_audio_io.py::test_every_output_format_is_byte_identical_across_processes",
    "tests/io/test_audio_io.py::test_expand_gives_the_absurd_rate_wav_a_reason_row",
    "tests/io/test_image_io.py::test_decompression_bomb_is_refused_from_the_header",
    "tests/io/test_metadata_image.py::test_webp_loses_exif_and_xmp_keeps_icc_and_orientation",
    "tests/io/test_metadata_strip.py::test_ogg_and_m4a_lose_their_tags_and_keep_their_samples",
    "tests/loaders/test_dataset.py::test_expanded_out_by_split",
    "tests/loaders/test_targets.py::test_expanded_out_items_and_padded_collate",
    "tests/engine/test_versions.py::test_rows_record_the_albumentations_version",
    "tests/report/quality/test_features.py::test_audio_of_any_rate_and_channels_gives_one_length",
    "tests/report/quality/test_features.py::test_video_features_are_keyframes_plus_soundtrack",
    "tests/report/quality/test_fidelity.py::test_a_shifted_set_is_told_apart_and_a_narrow_one_covers_little",
    "tests/report/quality/test_fidelity.py::test_same_distribution_scores_high_and_indistinguishable",
    "tests/report/quality/test_statistics.py::test_pairing_keeps_a_small_consistent_gain_detectable",
    "tests/report/test_evaluation_section.py::test_the_report_draws_curves_and_delta_bars_from_evaluation_json",
    "tests/synth/test_generator_writers.py::test_a_generator_class_alone_runs_through_run_synth",
    "tests/synth/test_shapes.py::test_class_weights_make_a_deliberate_imbalance",
    "tests/synth/test_shapes.py::test_cli_exports_coco_yolo_masks",
    "tests/synth/test_shapes.py::test_coco_segmentations_rasterize_to_the_instance_masks",
    "tests/synth/test_shapes.py::test_same_seed_same_bytes",
    "tests/synth/test_tones.py::test_dtmf_digits_decode",
    "tests/video/test_header_reuse.py::test_a_remembered_header_spares_the_renderer_every_read",
    "tests/video/test_probe.py::test_data_and_attachment_streams_do_not_make_a_file_unreadable",
    "tests/video/test_probe.py::test_expand_keeps_timecoded_attached_and_overclaiming_files",
    "tests/video/test_signature.py::test_reencodes_are_near_and_other_clips_are_not",
    "tests/video/test_tracks.py::test_both_paths_and_replay_give_one_annotation",
    "tests/video/test_video.py::test_audio_chain_in_python_keeps_channels_and_rate",
    "tests/video/test_video.py::test_containers_and_old_codecs",
    "tests/video/test_video.py::test_expand_with_videos_and_a_broken_one",
    "tests/video/test_video.py::test_fused_and_frame_paths_look_the_same",
    "tests/video/test_video.py::test_replay_gives_the_same_bytes",
    "tests/video/test_video.py::test_several_audio_tracks_keep_the_first",
    "tests/video/test_video.py::test_temporal_edits_keep_audio_in_sync",
}


def _fast_tier(config) -> bool:
    return (config.getoption("markexpr", "") or "").replace(" ", "") == "notslow"


def pytest_ignore_collect(collection_path, config):
    """Under `-m "not slow"` the slow modules are not even imported (their imports, torch,
    Dask, are a good part of the fast tier's time otherwise)."""
    if _fast_tier(config):
        rel = collection_path.relative_to(config.rootpath).as_posix() \
            if collection_path.is_relative_to(config.rootpath) else ""
        if rel in SLOW_MODULES:
            return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        path, _, name = item.nodeid.partition("::")
        if path in SLOW_MODULES or f"{path}::{name.split('[')[0]}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
