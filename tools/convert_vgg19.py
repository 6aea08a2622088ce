#!/usr/bin/env python3
"""Convert torchvision's VGG-19 ImageNet weights to the `vgg19.safetensors` that marionette-train reads.

Marionette cannot ship or download these weights. On a machine with PyTorch and torchvision:

    python3 tools/convert_vgg19.py vgg19.safetensors              # uses torchvision's cached download
    python3 tools/convert_vgg19.py vgg19.safetensors --pth vgg19-dcbb9e9d.pth   # from a file you have

then train with `marionette-train --vgg19 vgg19.safetensors ...`. Only the convolutional layers
(`features.<i>.weight` / `.bias`, torchvision's names) are written, as float32. The file is written with
the safetensors layout directly (8-byte header length, JSON header, raw little-endian data), so the
`safetensors` package is not needed.
"""
import argparse
import json
import struct
import sys


def load_state_dict(pth):
    import torch
    if pth:
        return torch.load(pth, map_location="cpu")
    from torchvision.models import vgg19, VGG19_Weights
    return vgg19(weights=VGG19_Weights.IMAGENET1K_V1).state_dict()


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").float().contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="output .safetensors file")
    parser.add_argument("--pth", help="a torchvision vgg19 .pth state dict (default: torchvision's weights)")
    args = parser.parse_args()
    state = load_state_dict(args.pth)
    features = {k: v for k, v in state.items() if k.startswith("features.")}
    if len(features) != 32:
        sys.exit(f"expected 32 convolution tensors under features.*, found {len(features)}: is this VGG-19?")
    write_safetensors(args.out, features,
                      {"source": "torchvision vgg19 IMAGENET1K_V1", "converted_by": "tools/convert_vgg19.py"})
    print(f"wrote {args.out}: {len(features)} tensors")


if __name__ == "__main__":
    main()
