"""Run by tests under torchrun: evaluate a run folder with accelerate, one slice per process."""

import sys

from accelerate import Accelerator

from museumvqa.evaluation.run import evaluate_run

if __name__ == "__main__":
    accelerator = Accelerator(cpu=True)
    evaluate_run(sys.argv[1], sys.argv[2:], batch_size=4, bootstrap=50, progress=False, accelerator=accelerator)
    print(f"rank {accelerator.process_index} of {accelerator.num_processes} done")
