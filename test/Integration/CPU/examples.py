# RUN: %python %linea_src/examples/run_examples.py --repeat 1
# The README's main job: every example block compiles, runs and matches its
# float64 model (the script exits non-zero on a mismatch).
