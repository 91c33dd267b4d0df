"""``python -m narrator`` and the ``narrator`` command."""

import os


def main() -> None:
    """Run the command line. narrator does no linear algebra, so numpy's BLAS thread pool would
    only cost each start-up (about 0.1 s of CPU, spinning threads up): it is kept to one thread
    unless the environment says otherwise."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from narrator.cli import main_entry

    main_entry()


if __name__ == "__main__":
    main()
