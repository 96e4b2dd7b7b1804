"""Splits linea-compile's --emit=ptx output into one file per kernel module."""
import os
import re
import sys

text = open(sys.argv[1]).read()
os.makedirs(sys.argv[2], exist_ok=True)
parts = re.split(r"^// kernels of (\w+)\n", text, flags=re.M)
for name, body in zip(parts[1::2], parts[2::2]):
    with open(os.path.join(sys.argv[2], name + ".ptx"), "w") as f:
        f.write(body)
