#!/usr/bin/env python3
"""Write the Inception-v3 weights that `marionette-train eval --fid FILE` reads.

FID (Heusel et al., NeurIPS 2017) as the paper reports it uses the Inception-v3 of TensorFlow's FID code,
which pytorch-fid ported as `pt_inception-2015-12-05-6726825d.pth` (Apache-2.0, from the pytorch-fid
releases). Marionette cannot ship or download it. On a machine with PyTorch:

    python3 tools/convert_fid_inception.py fid_inception.safetensors --pth pt_inception-2015-12-05-6726825d.pth
    python3 tools/convert_fid_inception.py fid_inception.safetensors     # with `pip install pytorch-fid`: its download

The file holds every convolution and batch norm up to the pool features, with torchvision's Inception3 names
(`Conv2d_1a_3x3.conv.weight`, `Mixed_5b.branch1x1.bn.running_var`, ...), as float32; the fully connected
layer is left out, since FID reads the 2048 pool features.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_vgg19 import write_safetensors  # noqa: E402  (same safetensors writer)

BLOCKS = ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "Mixed_5b", "Mixed_5c",
          "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"]


def inception_state(pth):
    import torch
    if pth:
        return torch.load(pth, map_location="cpu")
    from pytorch_fid.inception import fid_inception_v3
    return fid_inception_v3().state_dict()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="output .safetensors file")
    parser.add_argument("--pth", help="pytorch-fid's pt_inception-2015-12-05-6726825d.pth (default: pytorch_fid's download)")
    args = parser.parse_args()
    state = inception_state(args.pth)
    tensors = {name: t for name, t in state.items()
               if name.split(".")[0] in BLOCKS and not name.endswith("num_batches_tracked")}
    if "Mixed_7c.branch_pool.bn.running_var" not in tensors or "Conv2d_1a_3x3.conv.weight" not in tensors:
        sys.exit("this is not an Inception-v3 state dict with torchvision's names (is it pytorch-fid's pt_inception file?)")
    if "fc.weight" in state and state["fc.weight"].shape[0] != 1008:
        print("warning: a 1008-class head is expected of the FID network; this looks like torchvision's ImageNet "
              "Inception-v3, whose FID values are not comparable with published ones", file=sys.stderr)
    write_safetensors(args.out, tensors, {"source": "pytorch-fid pt_inception-2015-12-05 (FID Inception-v3)",
                                          "converted_by": "tools/convert_fid_inception.py"})
    print(f"wrote {args.out}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
