#!/usr/bin/env python3
"""Converts a PyTorch weights file (a torchvision checkpoint such as resnet18-f37072fd.pth, which
you already have: nothing is downloaded here) into a safetensors file that Myelin's models of the
same architecture load by name:

    python Tools/torchvision_to_safetensors.py resnet18-f37072fd.pth resnet18.safetensors

    // Swift
    let model = ResNet18()
    try model.loadStateDict(SafeTensors.read(contentsOf: URL(fileURLWithPath: "resnet18.safetensors")).tensors)

Needs torch; the file is written by hand (the safetensors package is not needed).
"""
import json
import struct
import sys

import torch

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.int32: "I32"}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    state = torch.load(source, map_location="cpu", weights_only=True)
    if "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    header, blobs, offset = {}, [], 0
    for name, tensor in state.items():
        tensor = tensor.detach().contiguous()
        if tensor.dtype not in DTYPES:
            tensor = tensor.float()
        blob = tensor.numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header["__metadata__"] = {"source": source.rsplit("/", 1)[-1]}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(target, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
    print(f"wrote {target}: {len(state)} tensors, {offset} bytes")


if __name__ == "__main__":
    main()
