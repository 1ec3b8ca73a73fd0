"""Label Studio's brush RLE: masks round-trip, values are the RGBA layout Label Studio
draws, runs longer than the widest length field split, and a stream that ends early or
holds another image size is refused."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.io.layouts import ls_brush


def test_brush_rle_round_trips_and_matches_label_studios_layout():
    mask = np.zeros((37, 53), bool)
    mask[5:30, 7:40] = True
    mask[::3, ::5] ^= True
    rle = ls_brush.encode_mask(mask)
    assert (ls_brush.decode_mask(rle, 53, 37) == mask).all()
    values = ls_brush.decode_values(rle).reshape(37, 53, 4)
    assert (values[mask] == 255).all() and (values[~mask] == 0).all()
    long = np.zeros(70000 * 4, np.uint8)  # runs longer than the 16-bit field
    assert (ls_brush.decode_values(ls_brush.encode_values(long)) == long).all()


def test_a_short_stream_or_another_size_is_refused():
    rle = ls_brush.encode_mask(np.ones((4, 5), bool))
    with pytest.raises(ValueError, match="ends early"):
        ls_brush.decode_values(rle[:6])
    with pytest.raises(ValueError, match="RGBA image of 6x4"):
        ls_brush.decode_mask(rle, 6, 4)


def test_literal_chunks_as_label_studios_editor_writes_them_decode():
    """thi.ng's rle-pack writes a chunk of differing values as a 0 flag, then each value."""
    values = [3, 9, 9, 9, 200]
    bits = f"{len(values):032b}{8 - 1:05b}" + "".join(f"{s - 1:04b}" for s in (3, 4, 8, 16))
    bits += "0" + "00" + f"{1 - 1:03b}" + f"{3:08b}"          # one literal: 3
    bits += "1" + "00" + f"{3 - 1:03b}" + f"{9:08b}"          # a run of three 9s
    bits += "0" + "00" + f"{1 - 1:03b}" + f"{200:08b}"        # one literal: 200
    bits += "0" * (-len(bits) % 8)
    data = [int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)]
    assert ls_brush.decode_values(data).tolist() == values
