import sys

from . import main

if __name__ == "__main__":  # render_all's worker processes import the main module again
    sys.exit(main(sys.argv[1:]))
