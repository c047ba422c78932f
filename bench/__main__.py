"""`python -m bench [--quick]`."""

from bench.run import main

if __name__ == "__main__":  # not in the writer processes, which import this module again
    raise SystemExit(main())
