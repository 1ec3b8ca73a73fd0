"""Label Studio's brush RLE (thi.ng/rle-pack, as label-studio-converter's brush.py reads and
writes it), decoded to and encoded from a binary mask.

The stream is big-endian bits: the value count (32 bits), the word size minus one (5 bits),
four run-length field sizes minus one (4 bits each), then chunks: a flag bit (1: a run of
one value, 0: literal values), a 2-bit index into the field sizes, the chunk length minus
one in that many bits, then the run's value or each literal value in word-size bits. The
values are an RGBA image of original_height x original_width, row by row; the mask is its
alpha channel (non-zero = inside). Encoding uses the converter's parameters (8-bit words,
field sizes 3, 4, 8, 16, the same padding) and writes masks as RGBA (255, 255, 255, 255)
over zeros, so every run covers whole pixels: the bytes equal the converter's `mask2rle` of
the mask as 0/255.
"""

from __future__ import annotations

import numpy as np

RLE_SIZES = (3, 4, 8, 16)
WORD_SIZE_BITS = 8


class _Bits:
    def __init__(self, data: bytes):
        self.bits = np.unpackbits(np.frombuffer(bytes(data), np.uint8))
        self.i = 0

    def read(self, size: int) -> int:
        if self.i + size > len(self.bits):
            raise ValueError("the brush RLE ends early")
        value = 0
        for bit in self.bits[self.i:self.i + size].tolist():
            value = (value << 1) | bit
        self.i += size
        return value


def decode_values(rle: list[int] | bytes) -> np.ndarray:
    """The flat value array (uint8 words) a brush RLE holds."""
    stream = _Bits(bytes(rle))
    num = stream.read(32)
    word_size = stream.read(5) + 1
    sizes = [stream.read(4) + 1 for _ in range(4)]
    out = np.zeros(num, np.uint32 if word_size > 16 else np.uint16 if word_size > 8
                   else np.uint8)
    i = 0
    while i < num:
        run = stream.read(1)
        j = min(i + 1 + stream.read(sizes[stream.read(2)]), num)
        if run:
            out[i:j] = stream.read(word_size)
        else:
            for k in range(i, j):
                out[k] = stream.read(word_size)
        i = j
    return out


def decode_mask(rle: list[int] | bytes, width: int, height: int) -> np.ndarray:
    """The bool height x width mask of a brush RLE (its alpha channel, non-zero inside)."""
    values = decode_values(rle)
    if len(values) != width * height * 4:
        raise ValueError(f"the brush RLE holds {len(values)} values, an RGBA image of "
                         f"{width}x{height} has {width * height * 4}")
    return values.reshape(height, width, 4)[:, :, 3] > 0


def encode_values(values: np.ndarray) -> list[int]:
    """Brush RLE bytes of a flat uint8 array (runs only, as the converter writes)."""
    flat = np.asarray(values, np.uint8).ravel()
    header = f"{len(flat):032b}{WORD_SIZE_BITS - 1:05b}" + "".join(f"{s - 1:04b}"
                                                                     for s in RLE_SIZES)
    parts = [header]
    if len(flat):
        edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
        starts = np.concatenate([[0], edges])
        lengths = np.diff(np.concatenate([starts, [len(flat)]]))
        for length, value in zip(lengths.tolist(), flat[starts].tolist()):
            while length > 0:
                chunk = min(length, 1 << 16)
                index = next(k for k, s in enumerate(RLE_SIZES) if chunk <= 1 << s)
                parts.append(f"1{index:02b}{chunk - 1:0{RLE_SIZES[index]}b}{value:08b}")
                length -= chunk
    bits = "".join(parts)
    bits += "0" * (8 - len(bits) % 8)  # as the converter pads: a whole zero byte when aligned
    return np.packbits(np.frombuffer(bits.encode(), np.uint8) - ord("0")).tolist()


def encode_mask(mask: np.ndarray) -> list[int]:
    """Brush RLE of a binary height x width mask (RGBA: 255 everywhere inside)."""
    alpha = (np.asarray(mask) > 0).astype(np.uint8) * 255
    return encode_values(np.repeat(alpha.ravel(), 4))
