#!/usr/bin/env python3
"""Copies the sample pictures that `myelin style` and docs/style-transfer.md use into Data/images/:
photographs and textures from scikit-image's wheel, each public domain or CC0, downscaled to at most
256 pixels on the long side (Lanczos) and written as 8-bit PNG (gray stays gray). It also writes
Data/images/LICENSES.md with each picture's source and licence as scikit-image's `skimage.data`
states them, and adds the pictures to Data/SHA256SUMS.

Run once by hand from the project folder; the results are committed, so nothing is fetched later:

    pip download scikit-image --no-deps -d /tmp/skimg
    /work/torchenv/bin/python Tools/copy_sample_images.py /tmp/skimg/scikit_image-*.whl

Needs Pillow (the torch environment has it).
"""
import hashlib
import io
import os
import re
import sys
import zipfile

from PIL import Image

LONG_SIDE = 256
# (file in skimage/data, name in Data/images, function in skimage.data whose docstring gives the licence)
PICTURES = [
    ("chelsea.png", "chelsea.png", "chelsea"),
    ("astronaut.png", "astronaut.png", "astronaut"),
    ("coffee.png", "coffee.png", "coffee"),
    ("brick.png", "brick.png", "brick"),
    ("grass.png", "grass.png", "grass"),
    ("gravel.png", "gravel.png", "gravel"),
    ("hubble_deep_field.jpg", "hubble_deep_field.png", "hubble_deep_field"),
]
# The sentences of each docstring that say where the picture comes from and under which terms.
LICENCE_PATTERN = re.compile(r"(copyright|licen[cs]e|public domain|cc0|courtesy|downloaded from)", re.IGNORECASE)


def docstring(source, function):
    match = re.search(r'def ' + function + r'\(\):\n\s+"""(.*?)"""', source, re.DOTALL)
    if not match:
        sys.exit(f"no docstring for skimage.data.{function} in the wheel")
    return match.group(1)


def licence_lines(text):
    """The paragraphs of a docstring that mention the source or licence, joined into lines."""
    paragraphs = [" ".join(line.strip() for line in block.splitlines()) for block in text.split("\n\n")]
    # numpydoc's section underline ("Notes -----") is not part of the sentence.
    paragraphs = [re.sub(r"^Notes -+ ", "", p) for p in paragraphs]
    return [p for p in paragraphs if LICENCE_PATTERN.search(p)]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    wheel = zipfile.ZipFile(sys.argv[1])
    version = re.search(r"scikit_image-([^-]+)-", os.path.basename(sys.argv[1])).group(1)
    fetchers = wheel.read("skimage/data/_fetchers.py").decode()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Data")
    folder = os.path.join(root, "images")
    os.makedirs(folder, exist_ok=True)
    notes = [
        "# Sample pictures",
        "",
        f"Copied from scikit-image {version}'s wheel (`skimage/data/`) by `Tools/copy_sample_images.py`, downscaled to at",
        f"most {LONG_SIDE} pixels on the long side and saved as 8-bit PNG. The source and licence of each, as `skimage.data`'s",
        "documentation of it states them:",
        "",
    ]
    sums = []
    for source, target, function in PICTURES:
        picture = Image.open(io.BytesIO(wheel.read("skimage/data/" + source)))
        picture = picture.convert("L" if picture.mode in ("L", "LA", "I", "I;16") else "RGB")
        scale = LONG_SIDE / max(picture.size)
        if scale < 1:
            size = (round(picture.width * scale), round(picture.height * scale))
            picture = picture.resize(size, Image.LANCZOS)
        path = os.path.join(folder, target)
        picture.save(path, optimize=True)
        data = open(path, "rb").read()
        sums.append(f"{hashlib.sha256(data).hexdigest()}  images/{target}")
        kind = "gray" if picture.mode == "L" else "RGB"
        notes.append(f"## {target} ({picture.width}×{picture.height}, {kind}; `skimage.data.{function}()`, from `{source}`)")
        notes.append("")
        notes += [f"> {line}" for line in licence_lines(docstring(fetchers, function))]
        notes.append("")
        print(f"wrote {path}: {picture.width}x{picture.height} {kind}, {len(data)} bytes")
    notes += [
        "scikit-image's own code is under the BSD 3-clause licence; these pictures carry the terms above.",
        "",
    ]
    with open(os.path.join(folder, "LICENSES.md"), "w") as f:
        f.write("\n".join(notes))
    # Data/SHA256SUMS: the pictures' lines replaced, the other data sets' kept.
    sums_path = os.path.join(root, "SHA256SUMS")
    kept = [line for line in open(sums_path).read().splitlines() if not line.split("  ", 1)[-1].startswith("images/")]
    with open(sums_path, "w") as f:
        f.write("\n".join(kept + sums) + "\n")
    print("wrote", os.path.normpath(os.path.join(folder, "LICENSES.md")), "and updated", os.path.normpath(sums_path))


if __name__ == "__main__":
    main()
