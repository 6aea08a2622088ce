#!/usr/bin/env python3
"""Write the LPIPS weights that `marionette-train eval --lpips FILE` reads.

LPIPS v0.1 with the VGG-16 trunk (Zhang et al., CVPR 2018) needs two sets of weights that Marionette cannot
ship or download: torchvision's ImageNet VGG-16 and the lpips package's linear layers
(`lpips/weights/v0.1/vgg.pth`, BSD-2-Clause). On a machine with PyTorch, torchvision and `pip install lpips`:

    python3 tools/convert_lpips.py lpips_vgg.safetensors
    python3 tools/convert_lpips.py lpips_vgg.safetensors --vgg16-pth vgg16-397923af.pth --lin-pth vgg.pth

The file holds `features.<i>.weight` / `.bias` for VGG-16's 13 convolutions (torchvision's names) and
`lin0.weight` .. `lin4.weight` ([1, C, 1, 1], the lpips package's `lin<k>.model.1.weight`), as float32.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_vgg19 import write_safetensors  # noqa: E402  (same safetensors writer)

VGG16_CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]


def vgg16_state(pth):
    import torch
    if pth:
        return torch.load(pth, map_location="cpu")
    from torchvision.models import vgg16, VGG16_Weights
    return vgg16(weights=VGG16_Weights.IMAGENET1K_V1).state_dict()


def lin_state(pth):
    import torch
    if not pth:
        import lpips
        pth = os.path.join(os.path.dirname(lpips.__file__), "weights", "v0.1", "vgg.pth")
    return torch.load(pth, map_location="cpu")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="output .safetensors file")
    parser.add_argument("--vgg16-pth", help="a torchvision vgg16 .pth state dict (default: torchvision's weights)")
    parser.add_argument("--lin-pth", help="the lpips package's weights/v0.1/vgg.pth (default: from the installed package)")
    args = parser.parse_args()
    vgg, lin = vgg16_state(args.vgg16_pth), lin_state(args.lin_pth)
    tensors = {}
    for i in VGG16_CONVS:
        for kind in ("weight", "bias"):
            name = f"features.{i}.{kind}"
            if name not in vgg:
                sys.exit(f"{name} is missing: is this torchvision's VGG-16?")
            tensors[name] = vgg[name]
    for k in range(5):
        name = f"lin{k}.model.1.weight"
        if name not in lin:
            sys.exit(f"{name} is missing: is this the lpips package's v0.1 vgg.pth?")
        tensors[f"lin{k}.weight"] = lin[name]
    write_safetensors(args.out, tensors, {"source": "torchvision vgg16 IMAGENET1K_V1 + lpips v0.1 vgg linear layers",
                                          "converted_by": "tools/convert_lpips.py"})
    print(f"wrote {args.out}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
